--
-- Alembic's "Working with Branches" page (docs/build/branches.rst), example
-- by example, with the page's revision ids, messages, parents, labels and
-- dependencies.  Each `alembic ...` command of the page becomes one call;
-- the comment above it quotes what Alembic prints there.  Steps marked
-- "set-up" are not on the page: they put the database where the page
-- assumes it is.
--
-- Two scenarios: the merge (a diamond), then, from a fresh catalog, the
-- explicit branches, branch labels, multiple bases and dependencies, which
-- build on each other.
--
--   <base> --> 1975 --> 27c6 (shoppingcart) --> d747
--                  \--> ae10 --> 55af --> 34e0
--                                 ^ (depends_on)
--   <base> --> 3cac (networking) --> 109e --> 29f8 --> 2a95
--

--
-- 1. A branch from two source trees, and its merge
--
-- main source tree:     1975ea83b712 (create account table) -> ae1027a6acf (add a column)
-- branched source tree: 1975ea83b712 (create account table) -> 27c6a30d7c24 (add shopping cart table)
SELECT pim_migrate_revision(
    message       => 'create account table',
    revision      => '1975ea83b712',
    down_revision => '{}',
    upgrade       => 'CREATE TABLE account (id int PRIMARY KEY, name varchar(50) NOT NULL, description varchar(200))',
    downgrade     => 'DROP TABLE account');
SELECT pim_migrate_revision(
    message       => 'add a column',
    revision      => 'ae1027a6acf',
    down_revision => '{1975ea83b712}',
    upgrade       => 'ALTER TABLE account ADD COLUMN last_transaction_date timestamp',
    downgrade     => 'ALTER TABLE account DROP COLUMN last_transaction_date');
SELECT pim_migrate_revision(
    message       => 'add shopping cart table',
    revision      => '27c6a30d7c24',
    down_revision => '{1975ea83b712}',
    upgrade       => 'CREATE TABLE shopping_cart (id int PRIMARY KEY, account_id int REFERENCES account (id))',
    downgrade     => 'DROP TABLE shopping_cart');

-- alembic branches --verbose shows:
--   Rev: 1975ea83b712 (branchpoint)
--   Parent: <base>
--   Branches into: 27c6a30d7c24, ae1027a6acf
--       create account table
--            -> 27c6a30d7c24 (head), add shopping cart table
--            -> ae1027a6acf (head), add a column
SELECT revision, next_revisions, message FROM pim_migrate_branches() ORDER BY revision;

-- alembic history shows:
--   1975ea83b712 -> 27c6a30d7c24 (head), add shopping cart table
--   1975ea83b712 -> ae1027a6acf (head), add a column
--   <base> -> 1975ea83b712 (branchpoint), create account table
SELECT revision, down_revisions, branch_labels, depends_on, message,
       is_head, is_branch_point, is_merge
FROM pim_migrate_history();

-- alembic heads --verbose shows:
--   Rev: 27c6a30d7c24 (head)   Parent: 1975ea83b712   add shopping cart table
--   Rev: ae1027a6acf (head)    Parent: 1975ea83b712   add a column
SELECT revision, branch_labels, message FROM pim_migrate_heads() ORDER BY revision;

-- alembic upgrade head fails:
--   FAILED: Multiple head revisions are present for given argument 'head'; please specify a specific
--   target revision, '<branchname>@head' to narrow to a specific head, or 'heads' for all heads
SELECT step, revision, operation FROM pim_migrate_upgrade('head');
\echo :LAST_ERROR_SQLSTATE

-- Merging Branches
-- alembic merge -m "merge ae1 and 27c" ae1027 27c6a prints:
--   Generating /path/to/foo/versions/53fffde5ad5_merge_ae1_and_27c.py ... done
SELECT pim_migrate_merge(revisions => '{ae1027,27c6a}', message => 'merge ae1 and 27c',
                         revision => '53fffde5ad5');

-- inside the new file:
--   revision = '53fffde5ad5'
--   down_revision = ('ae1027a6acf', '27c6a30d7c24')
--   branch_labels = None
--   def upgrade(): pass
--   def downgrade(): pass
SELECT revision, down_revisions, branch_labels, depends_on, message, upgrade_sql, downgrade_sql
FROM pim_migrate_show('53fffde5ad5');

-- alembic heads --verbose shows:
--   Rev: 53fffde5ad5 (head) (mergepoint)
--   Merges: ae1027a6acf, 27c6a30d7c24
--       merge ae1 and 27c
SELECT revision, branch_labels, message FROM pim_migrate_heads() ORDER BY revision;

-- alembic history shows:
--   ae1027a6acf, 27c6a30d7c24 -> 53fffde5ad5 (head) (mergepoint), merge ae1 and 27c
--   1975ea83b712 -> ae1027a6acf, add a column
--   1975ea83b712 -> 27c6a30d7c24, add shopping cart table
--   <base> -> 1975ea83b712 (branchpoint), create account table
SELECT revision, down_revisions, branch_labels, depends_on, message,
       is_head, is_branch_point, is_merge
FROM pim_migrate_history();

-- alembic upgrade head prints:
--   Running upgrade  -> 1975ea83b712, create account table
--   Running upgrade 1975ea83b712 -> 27c6a30d7c24, add shopping cart table
--   Running upgrade 1975ea83b712 -> ae1027a6acf, add a column
--   Running upgrade ae1027a6acf, 27c6a30d7c24 -> 53fffde5ad5, merge ae1 and 27c
SELECT step, revision, operation FROM pim_migrate_upgrade('head');

-- merge mechanics: after that upgrade alembic_version holds one row, 53fffde5ad5
SELECT * FROM pim_migrate_current() ORDER BY 1;

-- merge mechanics, the SQL against alembic_version one revision at a time
-- (set-up: back to base first)
SELECT step, revision, operation FROM pim_migrate_downgrade('base');
--   -- Running upgrade  -> 1975ea83b712, create account table
--   INSERT INTO alembic_version (version_num) VALUES ('1975ea83b712')
SELECT step, revision, operation FROM pim_migrate_upgrade('1975ea83b712');
SELECT * FROM pim_migrate_current() ORDER BY 1;
--   -- Running upgrade 1975ea83b712 -> 27c6a30d7c24, add shopping cart table
--   UPDATE alembic_version SET version_num='27c6a30d7c24' WHERE alembic_version.version_num = '1975ea83b712'
SELECT step, revision, operation FROM pim_migrate_upgrade('27c6a30d7c24');
SELECT * FROM pim_migrate_current() ORDER BY 1;
--   -- Running upgrade 1975ea83b712 -> ae1027a6acf, add a column
--   INSERT INTO alembic_version (version_num) VALUES ('ae1027a6acf')
SELECT step, revision, operation FROM pim_migrate_upgrade('ae1027a6acf');
-- "If we upgrade to these two versions alone, then stop and run alembic current":
--   alembic current --verbose shows:
--   Rev: ae1027a6acf   Parent: 1975ea83b712   add a column
--   Rev: 27c6a30d7c24  Parent: 1975ea83b712   add shopping cart table
SELECT * FROM pim_migrate_current() ORDER BY 1;
--   -- Running upgrade ae1027a6acf, 27c6a30d7c24 -> 53fffde5ad5, merge ae1 and 27c
--   DELETE FROM alembic_version WHERE alembic_version.version_num = 'ae1027a6acf'
--   UPDATE alembic_version SET version_num='53fffde5ad5' WHERE alembic_version.version_num = '27c6a30d7c24'
SELECT step, revision, operation FROM pim_migrate_upgrade('53fffde5ad5');
SELECT * FROM pim_migrate_current() ORDER BY 1;

-- merge mechanics: the merge "will run equally well on databases that were
-- present on version ae1027a6acf alone, versus databases that were present
-- on version 27c6a30d7c24 alone; whichever version was not yet applied, will
-- be applied before the merge point can be crossed"
-- (set-up: a database on ae1027a6acf alone)
SELECT step, revision, operation FROM pim_migrate_downgrade('1975ea83b712');
SELECT step, revision, operation FROM pim_migrate_upgrade('ae1027a6acf');
-- upgrade head runs 27c6a30d7c24, then 53fffde5ad5
SELECT step, revision, operation FROM pim_migrate_upgrade('head');
-- (set-up: a database on 27c6a30d7c24 alone)
SELECT step, revision, operation FROM pim_migrate_downgrade('1975ea83b712');
SELECT step, revision, operation FROM pim_migrate_upgrade('27c6a30d7c24');
-- upgrade head runs ae1027a6acf, then 53fffde5ad5
SELECT step, revision, operation FROM pim_migrate_upgrade('head');
SELECT * FROM pim_migrate_current() ORDER BY 1;

-- reset: "Let's back up and assume we're back where we have as our heads
-- just ae1027a6acf and 27c6a30d7c24" (no merge file)
DROP TABLE shopping_cart, account;
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;

--
-- 2. Working with Explicit Branches
--
SELECT pim_migrate_revision(
    message       => 'create account table',
    revision      => '1975ea83b712',
    down_revision => '{}',
    upgrade       => 'CREATE TABLE account (id int PRIMARY KEY, name varchar(50) NOT NULL, description varchar(200))',
    downgrade     => 'DROP TABLE account');
SELECT pim_migrate_revision(
    message       => 'add a column',
    revision      => 'ae1027a6acf',
    down_revision => '{1975ea83b712}',
    upgrade       => 'ALTER TABLE account ADD COLUMN last_transaction_date timestamp',
    downgrade     => 'ALTER TABLE account DROP COLUMN last_transaction_date');
SELECT pim_migrate_revision(
    message       => 'add shopping cart table',
    revision      => '27c6a30d7c24',
    down_revision => '{1975ea83b712}',
    upgrade       => 'CREATE TABLE shopping_cart (id int PRIMARY KEY, account_id int REFERENCES account (id))',
    downgrade     => 'DROP TABLE shopping_cart');

-- alembic heads shows:
--   27c6a30d7c24
--   ae1027a6acf
SELECT revision, branch_labels, message FROM pim_migrate_heads() ORDER BY revision;

-- Referring to all heads at once
-- alembic upgrade heads (from a fresh database) prints:
--   Running upgrade  -> 1975ea83b712, create account table
--   Running upgrade 1975ea83b712 -> ae1027a6acf, add a column
--   Running upgrade 1975ea83b712 -> 27c6a30d7c24, add shopping cart table
SELECT step, revision, operation FROM pim_migrate_upgrade('heads');

-- alembic current shows:
--   ae1027a6acf (head)
--   27c6a30d7c24 (head)
SELECT * FROM pim_migrate_current() ORDER BY 1;

-- alembic downgrade -1 prints:
--   Running downgrade ae1027a6acf -> 1975ea83b712, add a column
-- (Alembic 1.8 still does it, with "UserWarning: downgrade -1 from multiple
-- heads is ambiguous; this usage will be disallowed in a future release",
-- and closes one of the two branches; pim_migrate refuses a relative step
-- from several current heads: 21000)
SELECT step, revision, operation FROM pim_migrate_downgrade('-1');
\echo :LAST_ERROR_SQLSTATE
-- the unambiguous spelling of that step: one step down the branch of
-- ae1027a6acf (alembic downgrade ae1027a6acf@-1 prints the line above)
SELECT step, revision, operation FROM pim_migrate_downgrade('ae1027a6acf@-1');

-- alembic current shows:
--   27c6a30d7c24 (head)
SELECT * FROM pim_migrate_current() ORDER BY 1;

-- alembic downgrade -1 prints:
--   Running downgrade 27c6a30d7c24 -> 1975ea83b712, add shopping cart table
SELECT step, revision, operation FROM pim_migrate_downgrade('-1');

-- alembic current shows:
--   1975ea83b712 (branchpoint)
SELECT * FROM pim_migrate_current() ORDER BY 1;

-- alembic downgrade -1 prints:
--   Running downgrade 1975ea83b712 -> , create account table
SELECT step, revision, operation FROM pim_migrate_downgrade('-1');

-- alembic current shows nothing
SELECT * FROM pim_migrate_current() ORDER BY 1;

-- Referring to a Specific Version
-- alembic upgrade 27c6a prints:
--   Running upgrade  -> 1975ea83b712, create account table
--   Running upgrade 1975ea83b712 -> 27c6a30d7c24, add shopping cart table
SELECT step, revision, operation FROM pim_migrate_upgrade('27c6a');

-- alembic upgrade ae102 prints:
--   Running upgrade 1975ea83b712 -> ae1027a6acf, add a column
SELECT step, revision, operation FROM pim_migrate_upgrade('ae102');

-- Working with Branch Labels
-- "we can add that name to our file 27c6a30d7c24_add_shopping_cart_table.py":
--   revision = '27c6a30d7c24'
--   down_revision = '1975ea83b712'
--   branch_labels = ('shoppingcart',)
-- (set-up: an applied revision is not edited, so take 27c6a30d7c24 back
-- first, one step down its own branch; the page's "upgrade shoppingcart@head"
-- below then runs just 27c6a30d7c24, as it does on the page)
SELECT step, revision, operation FROM pim_migrate_downgrade('27c6a30d7c24@-1');
SELECT pim_migrate_revision(
    message       => 'add shopping cart table',
    revision      => '27c6a30d7c24',
    down_revision => '{1975ea83b712}',
    branch_labels => '{shoppingcart}',
    upgrade       => 'CREATE TABLE shopping_cart (id int PRIMARY KEY, account_id int REFERENCES account (id))',
    downgrade     => 'DROP TABLE shopping_cart');

-- alembic history shows:
--   1975ea83b712 -> 27c6a30d7c24 (shoppingcart) (head), add shopping cart table
--   1975ea83b712 -> ae1027a6acf (head), add a column
--   <base> -> 1975ea83b712 (branchpoint), create account table
SELECT revision, down_revisions, branch_labels, depends_on, message,
       is_head, is_branch_point, is_merge
FROM pim_migrate_history();

-- alembic show shoppingcart shows:
--   Rev: 27c6a30d7c24 (head)
--   Parent: 1975ea83b712
--   Branch names: shoppingcart
--       add shopping cart table
SELECT revision, down_revisions, branch_labels, depends_on, message
FROM pim_migrate_show('shoppingcart');

-- alembic upgrade shoppingcart@head prints:
--   Running upgrade 1975ea83b712 -> 27c6a30d7c24, add shopping cart table
SELECT step, revision, operation FROM pim_migrate_upgrade('shoppingcart@head');

-- alembic revision -m "add a shopping cart column" fails (no down_revision,
-- several heads):
--   FAILED: Multiple heads are present; please specify the head revision on
--   which the new revision should be based, or perform a merge.
SELECT pim_migrate_revision(
    message   => 'add a shopping cart column',
    revision  => 'd747a8a8879',
    upgrade   => 'ALTER TABLE shopping_cart ADD COLUMN quantity int',
    downgrade => 'ALTER TABLE shopping_cart DROP COLUMN quantity');
\echo :LAST_ERROR_SQLSTATE

-- alembic revision -m "add a shopping cart column" --head shoppingcart@head prints:
--   Generating /path/to/foo/versions/d747a8a8879_add_a_shopping_cart_column.py ... done
SELECT pim_migrate_revision(
    message       => 'add a shopping cart column',
    revision      => 'd747a8a8879',
    down_revision => ARRAY[(SELECT revision FROM pim_migrate_show('shoppingcart@head'))],
    upgrade       => 'ALTER TABLE shopping_cart ADD COLUMN quantity int',
    downgrade     => 'ALTER TABLE shopping_cart DROP COLUMN quantity');

-- alembic history shows:
--   1975ea83b712 -> ae1027a6acf (head), add a column
--   27c6a30d7c24 -> d747a8a8879 (shoppingcart) (head), add a shopping cart column
--   1975ea83b712 -> 27c6a30d7c24 (shoppingcart), add shopping cart table
--   <base> -> 1975ea83b712 (branchpoint), create account table
SELECT revision, down_revisions, branch_labels, depends_on, message,
       is_head, is_branch_point, is_merge
FROM pim_migrate_history();

-- alembic history -r shoppingcart: shows:
--   27c6a30d7c24 -> d747a8a8879 (shoppingcart) (head), add a shopping cart column
--   1975ea83b712 -> 27c6a30d7c24 (shoppingcart), add shopping cart table
SELECT revision, down_revisions, branch_labels, depends_on, message,
       is_head, is_branch_point, is_merge
FROM pim_migrate_history('shoppingcart:');

-- alembic history -r :shoppingcart@head shows:
--   27c6a30d7c24 -> d747a8a8879 (shoppingcart) (head), add a shopping cart column
--   1975ea83b712 -> 27c6a30d7c24 (shoppingcart), add shopping cart table
--   <base> -> 1975ea83b712 (branchpoint), create account table
SELECT revision, down_revisions, branch_labels, depends_on, message,
       is_head, is_branch_point, is_merge
FROM pim_migrate_history(':shoppingcart@head');

-- alembic history -r shoppingcart@base: shows (the page):
--   1975ea83b712 -> ae1027a6acf (head), add a column
--   27c6a30d7c24 -> d747a8a8879 (shoppingcart) (head), add a shopping cart column
--   1975ea83b712 -> 27c6a30d7c24 (shoppingcart), add shopping cart table
--   <base> -> 1975ea83b712 (branchpoint), create account table
-- ("shorthand for -r shoppingcart@base:heads"; Alembic 1.8.1 itself prints
-- the last three lines only, without ae1027a6acf)
SELECT revision, down_revisions, branch_labels, depends_on, message,
       is_head, is_branch_point, is_merge
FROM pim_migrate_history('shoppingcart@base:');

-- alembic revision -m "add another account column" --head ae10@head prints:
--   Generating /path/to/foo/versions/55af2cb1c267_add_another_account_column.py ... done
SELECT pim_migrate_revision(
    message       => 'add another account column',
    revision      => '55af2cb1c267',
    down_revision => ARRAY[(SELECT revision FROM pim_migrate_show('ae10@head'))],
    upgrade       => 'ALTER TABLE account ADD COLUMN email varchar(100)',
    downgrade     => 'ALTER TABLE account DROP COLUMN email');

-- More Label Syntaxes (the page shows no output for these)
-- alembic upgrade shoppingcart@heads (runs d747a8a8879, the one head of shoppingcart)
SELECT step, revision, operation FROM pim_migrate_upgrade('shoppingcart@heads');

-- (set-up: back to the branch point, so that shoppingcart has two revisions to climb)
SELECT step, revision, operation FROM pim_migrate_downgrade('1975ea83b712');
-- alembic upgrade shoppingcart@+2 ("upgrade from current heads on
-- shoppingcart upwards two revisions": 27c6a30d7c24, then d747a8a8879)
SELECT step, revision, operation FROM pim_migrate_upgrade('shoppingcart@+2');

-- (set-up: back to the branch point again, so that current:shoppingcart@+2
-- is a range of three)
SELECT step, revision, operation FROM pim_migrate_downgrade('1975ea83b712');
-- alembic history -r current:shoppingcart@+2
-- (Alembic 1.8.1 prints d747a8a8879, 27c6a30d7c24, 1975ea83b712 here)
SELECT revision, down_revisions, branch_labels, depends_on, message,
       is_head, is_branch_point, is_merge
FROM pim_migrate_history('current:shoppingcart@+2');

-- alembic history -r :shoppingcart@head-2 ("along shoppingcart up until two
-- revisions before the head": Alembic 1.8.1 prints
-- <base> -> 1975ea83b712 (branchpoint), create account table)
SELECT revision, down_revisions, branch_labels, depends_on, message,
       is_head, is_branch_point, is_merge
FROM pim_migrate_history(':shoppingcart@head-2');

--
-- 3. Working with Multiple Bases
--
-- Creating a Labeled Base Revision
-- alembic revision -m "create networking branch" --head=base --branch-label=networking
--     --version-path=model/networking prints:
--   Generating /path/to/foo/model/networking/3cac04ae8714_create_networking_branch.py ... done
SELECT pim_migrate_revision(
    message       => 'create networking branch',
    revision      => '3cac04ae8714',
    down_revision => '{}',
    branch_labels => '{networking}',
    upgrade       => 'SELECT 1',
    downgrade     => 'SELECT 1');

-- Running with Multiple Bases
-- alembic heads shows (the page):
--   3cac04ae8714 (networking) (head)
--   27c6a30d7c24 (shoppingcart) (head)
--   ae1027a6acf (head)
-- (the page's listing predates d747a8a8879 and 55af2cb1c267; with them,
-- Alembic 1.8.1 prints d747a8a8879 (shoppingcart) (head),
-- 3cac04ae8714 (networking) (head), 55af2cb1c267 (head))
SELECT revision, branch_labels, message FROM pim_migrate_heads() ORDER BY revision;

-- alembic revision -m "add ip number table" --head=networking@head prints:
--   Generating /path/to/foo/model/networking/109ec7d132bf_add_ip_number_table.py ... done
SELECT pim_migrate_revision(
    message       => 'add ip number table',
    revision      => '109ec7d132bf',
    down_revision => ARRAY[(SELECT revision FROM pim_migrate_show('networking@head'))],
    upgrade       => 'CREATE TABLE ip_number (id int PRIMARY KEY, address inet NOT NULL)',
    downgrade     => 'DROP TABLE ip_number');

-- alembic revision -m "add DNS table" --head=networking fails:
--   FAILED: Revision 3cac04ae8714 is not a head revision; please
--   specify --splice to create a new branch from this revision
-- (pim_migrate_revision takes any registered revision as down_revision and
-- has no --splice; this shows what Alembic checks: "networking" names
-- 3cac04ae8714 alone, and that is no longer a head)
SELECT s.revision, s.revision IN (SELECT revision FROM pim_migrate_heads()) AS is_head
FROM pim_migrate_show('networking') s;
-- the page's later history has "add DNS table" on networking@head
SELECT pim_migrate_revision(
    message       => 'add DNS table',
    revision      => '29f859a13ea',
    down_revision => ARRAY[(SELECT revision FROM pim_migrate_show('networking@head'))],
    upgrade       => 'CREATE TABLE dns (id int PRIMARY KEY, name varchar(255) NOT NULL, ip_number_id int REFERENCES ip_number (id))',
    downgrade     => 'DROP TABLE dns');

-- alembic history -r networking@base: shows:
--   109ec7d132bf -> 29f859a13ea (networking) (head), add DNS table
--   3cac04ae8714 -> 109ec7d132bf (networking), add ip number table
--   <base> -> 3cac04ae8714 (networking), create networking branch
SELECT revision, down_revisions, branch_labels, depends_on, message,
       is_head, is_branch_point, is_merge
FROM pim_migrate_history('networking@base:');

-- "this is the same output we'd get at this point if we used -r :networking@head"
SELECT revision, down_revisions, branch_labels, depends_on, message,
       is_head, is_branch_point, is_merge
FROM pim_migrate_history(':networking@head');

-- (set-up: "let's assume a clean database again")
SELECT step, revision, operation FROM pim_migrate_downgrade('base');

-- alembic upgrade networking@head prints:
--   Running upgrade  -> 3cac04ae8714, create networking branch
--   Running upgrade 3cac04ae8714 -> 109ec7d132bf, add ip number table
--   Running upgrade 109ec7d132bf -> 29f859a13ea, add DNS table
SELECT step, revision, operation FROM pim_migrate_upgrade('networking@head');

-- alembic upgrade heads prints:
--   Running upgrade  -> 1975ea83b712, create account table
--   Running upgrade 1975ea83b712 -> 27c6a30d7c24, add shopping cart table
--   Running upgrade 27c6a30d7c24 -> d747a8a8879, add a shopping cart column
--   Running upgrade 1975ea83b712 -> ae1027a6acf, add a column
--   Running upgrade ae1027a6acf -> 55af2cb1c267, add another account column
SELECT step, revision, operation FROM pim_migrate_upgrade('heads');

--
-- 4. Branch Dependencies
--
-- alembic revision -m "add ip account table" --head=networking@head --depends-on=55af2cb1c267 prints:
--   Generating /path/to/foo/model/networking/2a95102259be_add_ip_account_table.py ... done
SELECT pim_migrate_revision(
    message       => 'add ip account table',
    revision      => '2a95102259be',
    down_revision => ARRAY[(SELECT revision FROM pim_migrate_show('networking@head'))],
    depends_on    => '{55af2cb1c267}',
    upgrade       => 'CREATE TABLE ip_account (ip_number_id int REFERENCES ip_number (id), account_id int REFERENCES account (id))',
    downgrade     => 'DROP TABLE ip_account');

-- inside the file:
--   revision = '2a95102259be'
--   down_revision = '29f859a13ea'
--   branch_labels = None
--   depends_on='55af2cb1c267'
SELECT revision, down_revisions, branch_labels, depends_on, message
FROM pim_migrate_show('2a95102259be');

-- "if we were to run the command":
--   alembic revision -m "add ip account table" --head=networking@head
--       --depends-on=55af2cb1c267 --depends-on=d747a --depends-on=fa445
-- "We'd see inside the file":
--   depends_on = ('55af2cb1c267', 'd747a8a8879', 'fa4456a9201')
-- (fa4456a9201 is not in the page's graph: a stand-in for it, and the whole
-- aside rolled back; 2a95102259be is not applied, so registering it again
-- with other content replaces it.  networking@head is 2a95102259be itself
-- by now, so the parent the command would have found, 29f859a13ea, is
-- named)
BEGIN;
SELECT pim_migrate_revision(
    message       => 'a revision the page does not show',
    revision      => 'fa4456a9201',
    down_revision => '{}',
    upgrade       => 'SELECT 1',
    downgrade     => 'SELECT 1');
SELECT pim_migrate_revision(
    message       => 'add ip account table',
    revision      => '2a95102259be',
    down_revision => '{29f859a13ea}',
    depends_on    => '{55af2cb1c267,d747a,fa445}',
    upgrade       => 'CREATE TABLE ip_account (ip_number_id int REFERENCES ip_number (id), account_id int REFERENCES account (id))',
    downgrade     => 'DROP TABLE ip_account');
SELECT revision, down_revisions, branch_labels, depends_on, message
FROM pim_migrate_show('2a95102259be');
ROLLBACK;
SELECT revision, down_revisions, branch_labels, depends_on, message
FROM pim_migrate_show('2a95102259be');

-- alembic history -r :networking@head shows:
--   29f859a13ea (55af2cb1c267) -> 2a95102259be (networking) (head), add ip account table
--   109ec7d132bf -> 29f859a13ea (networking), add DNS table
--   3cac04ae8714 -> 109ec7d132bf (networking), add ip number table
--   <base> -> 3cac04ae8714 (networking), create networking branch
--   ae1027a6acf -> 55af2cb1c267 (effective head), add another account column
--   1975ea83b712 -> ae1027a6acf, Add a column
--   <base> -> 1975ea83b712 (branchpoint), create account table
SELECT revision, down_revisions, branch_labels, depends_on, message,
       is_head, is_branch_point, is_merge
FROM pim_migrate_history(':networking@head');

-- alembic history -r networking@base: shows (the page):
--   29f859a13ea (55af2cb1c267) -> 2a95102259be (networking) (head), add ip account table
--   109ec7d132bf -> 29f859a13ea (networking), add DNS table
--   3cac04ae8714 -> 109ec7d132bf (networking), add ip number table
--   <base> -> 3cac04ae8714 (networking), create networking branch
-- (Alembic 1.8.1 itself prints the same seven lines as -r :networking@head)
SELECT revision, down_revisions, branch_labels, depends_on, message,
       is_head, is_branch_point, is_merge
FROM pim_migrate_history('networking@base:');

-- alembic heads shows:
--   2a95102259be (networking) (head)
--   27c6a30d7c24 (shoppingcart) (head)
--   55af2cb1c267 (effective head)
-- (d747a8a8879 is the shoppingcart head by now: Alembic 1.8.1 prints it
-- in place of 27c6a30d7c24)
SELECT revision, branch_labels, message FROM pim_migrate_heads() ORDER BY revision;

-- alembic upgrade heads prints:
--   Running upgrade 29f859a13ea, 55af2cb1c267 -> 2a95102259be, add ip account table
-- (the page predates Alembic 1.8, which names the down_revisions only:
-- "Running upgrade 29f859a13ea -> 2a95102259be", as pim_migrate does)
SELECT step, revision, operation FROM pim_migrate_upgrade('heads');

-- alembic current shows:
--   2a95102259be (head)
--   27c6a30d7c24 (head)
-- (d747a8a8879 in place of 27c6a30d7c24, as above; 55af2cb1c267 has no
-- row: 2a95102259be depends on it)
SELECT * FROM pim_migrate_current() ORDER BY 1;

-- alembic revision -m "more account changes" --head=55af2cb@head prints:
--   Generating /path/to/foo/versions/34e094ad6ef1_more_account_changes.py ... done
SELECT pim_migrate_revision(
    message       => 'more account changes',
    revision      => '34e094ad6ef1',
    down_revision => ARRAY[(SELECT revision FROM pim_migrate_show('55af2cb@head'))],
    upgrade       => 'ALTER TABLE account ADD COLUMN closed_at timestamp',
    downgrade     => 'ALTER TABLE account DROP COLUMN closed_at');

-- alembic upgrade heads prints:
--   Running upgrade 55af2cb1c267 -> 34e094ad6ef1, more account changes
SELECT step, revision, operation FROM pim_migrate_upgrade('heads');

-- alembic current shows:
--   2a95102259be (head)
--   27c6a30d7c24 (head)
--   34e094ad6ef1 (head)
-- (d747a8a8879 in place of 27c6a30d7c24, as above)
SELECT * FROM pim_migrate_current() ORDER BY 1;

-- alembic history ("For posterity, the revision tree now looks like") shows:
--   29f859a13ea (55af2cb1c267) -> 2a95102259be (networking) (head), add ip account table
--   109ec7d132bf -> 29f859a13ea (networking), add DNS table
--   3cac04ae8714 -> 109ec7d132bf (networking), add ip number table
--   <base> -> 3cac04ae8714 (networking), create networking branch
--   1975ea83b712 -> 27c6a30d7c24 (shoppingcart) (head), add shopping cart table
--   55af2cb1c267 -> 34e094ad6ef1 (head), more account changes
--   ae1027a6acf -> 55af2cb1c267, add another account column
--   1975ea83b712 -> ae1027a6acf, Add a column
--   <base> -> 1975ea83b712 (branchpoint), create account table
-- (plus 27c6a30d7c24 -> d747a8a8879 (shoppingcart) (head), add a shopping
-- cart column, which Alembic 1.8.1 prints and the page leaves out)
SELECT revision, down_revisions, branch_labels, depends_on, message,
       is_head, is_branch_point, is_merge
FROM pim_migrate_history();

-- Labels are worked out for the revisions shown: one revision alone
-- gets the labels the whole history gives it.  y2's label also goes down
-- its single line to y1 (Alembic's rule); x3's stops at the fork of x2.
SELECT count(*) FROM pim_migrate_revision('y1', '', '', revision => 'y1', down_revision => '{}');
SELECT count(*) FROM pim_migrate_revision('y2', '', '', revision => 'y2', down_revision => '{y1}', branch_labels => '{yline}');
SELECT count(*) FROM pim_migrate_revision('y3', '', '', revision => 'y3', down_revision => '{y2}');
SELECT count(*) FROM pim_migrate_revision('x1', '', '', revision => 'x1', down_revision => '{}');
SELECT count(*) FROM pim_migrate_revision('x2', '', '', revision => 'x2', down_revision => '{x1}');
SELECT count(*) FROM pim_migrate_revision('x3', '', '', revision => 'x3', down_revision => '{x2}', branch_labels => '{xtip}');
SELECT count(*) FROM pim_migrate_revision('x4', '', '', revision => 'x4', down_revision => '{x2}');
SELECT revision, branch_labels FROM pim_migrate_history()
WHERE revision ~ '^[xy]' ORDER BY revision;
SELECT h.revision, h.branch_labels AS whole, o.branch_labels AS alone
FROM pim_migrate_history() h,
     LATERAL pim_migrate_history(h.revision || ':' || h.revision) o
WHERE o.revision = h.revision
  AND h.branch_labels IS DISTINCT FROM o.branch_labels;
SELECT count(*) AS compared FROM pim_migrate_history() h,
     LATERAL pim_migrate_history(h.revision || ':' || h.revision) o
WHERE o.revision = h.revision;

-- clean up
DROP TABLE ip_account, dns, ip_number, shopping_cart, account;
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
