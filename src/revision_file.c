/*-------------------------------------------------------------------------
 *
 * revision_file.c
 *	  The revision file format of SPEC.md: what a revision id or label may
 *	  be, and the checksum of a revision's scripts.
 *
 * A file is a header of "--" comment lines (the first is the message, the
 * others "Key: value"), then "-- +upgrade" and the upgrade script, then
 * optionally "-- +downgrade" and the downgrade script.  The scripts
 * themselves are not looked into here: the server's parser checks them
 * when the revision is registered (executor.c).
 *
 * Every problem is reported as 22023 with the line of the file it was
 * found on.  Nothing here reads the catalog or calls register.c: the
 * dependency goes one way, register.c calls the parser.
 *
 * src/revision_file.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/datetime.h"

#include "pim_migrate.h"
#include "revfile_key.h"

typedef enum
{
	SECTION_HEADER,
	SECTION_UPGRADE,
	SECTION_DOWNGRADE
} Section;

typedef struct ParseState
{
	int			lineno;			/* of the line being looked at, from 1 */
} ParseState;

static void
parse_error_callback(void *arg)
{
	ParseState *state = (ParseState *) arg;

	if (state->lineno > 0)
		errcontext("revision file, line %d", state->lineno);
}

/* Remove leading and trailing white space in place; return the start. */
static char *
trim(char *s)
{
	char	   *end;

	while (*s && isspace((unsigned char) *s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char) end[-1]))
		*--end = '\0';
	return s;
}

/*
 * If line is a comment ("--" after optional white space), return its text
 * after the dashes, trimmed; else NULL.
 */
static char *
comment_text(char *line)
{
	char	   *s = line;

	while (*s && isspace((unsigned char) *s))
		s++;
	if (s[0] != '-' || s[1] != '-')
		return NULL;
	return trim(s + 2);
}

/*
 * The line *rest starts, cut off in place; *rest moves to the next one
 * (NULL after the last).  Files written with CRLF line ends are read as
 * if they had LF.
 */
static char *
next_line(char **rest)
{
	char	   *line = *rest;

	*rest = strchr(line, '\n');
	if (*rest)
		*(*rest)++ = '\0';
	if (*line && line[strlen(line) - 1] == '\r')
		line[strlen(line) - 1] = '\0';
	return line;
}

/* Is this comment text a section marker ("+upgrade", "+downgrade")? */
static bool
is_marker(const char *str, const char *name)
{
	return str != NULL && str[0] == '+' && pg_strcasecmp(str + 1, name) == 0;
}

/*
 * pm_revfile_check_name
 *		Raise 22023 unless name can be a revision id or branch label: not
 *		empty, bounded, no white space, none of the characters that the
 *		target grammar and the file format give a meaning (@ + - , :), and
 *		not a word of the grammar.  The rule of the format, so it lives
 *		with the parser; register.c applies it to definitions given by
 *		other means.
 */
void
pm_revfile_check_name(const char *name, const char *what)
{
	const char *why = NULL;

	if (*name == '\0')
		why = "It is empty.";
	else if (strlen(name) > PM_MAX_NAME_LEN)
		why = psprintf("It is longer than %d bytes.", PM_MAX_NAME_LEN);
	else if (strcmp(name, "head") == 0 || strcmp(name, "heads") == 0 ||
			 strcmp(name, "base") == 0 || strcmp(name, "current") == 0)
		why = "It is a word of the target grammar.";
	else
	{
		for (const char *p = name; *p; p++)
		{
			if (isspace((unsigned char) *p) || iscntrl((unsigned char) *p))
			{
				why = "It contains white space or a control character.";
				break;
			}
			if (strchr("@+-,:", *p))
			{
				why = psprintf("It contains \"%c\".", *p);
				break;
			}
		}
	}
	if (why)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s \"%s\"", what, name),
				 errdetail("%s", why),
				 errhint("Use letters, digits and underscores, as generated revision ids do.")));
}

/*
 * Split a comma-separated header value into a List of trimmed names, each
 * checked as a revision id or label.  An empty value is an empty List.
 */
static List *
split_names(char *value, const char *key)
{
	List	   *result = NIL;
	char	   *item = value;

	if (*value == '\0')
		return NIL;
	while (item != NULL)
	{
		char	   *comma = strchr(item, ',');
		char	   *name;

		if (comma)
			*comma = '\0';
		name = trim(item);
		if (*name == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("empty item in header \"%s\"", key)));
		pm_revfile_check_name(name, key);
		result = lappend(result, pstrdup(name));
		item = comma ? comma + 1 : NULL;
	}
	return result;
}

/*
 * Parse a Create Date with the server's own date/time decoder, without
 * letting its error (22007) replace ours.  The date is naive, as Alembic
 * writes it: it is read in the session's time zone.
 */
static TimestampTz
parse_create_date(const char *value)
{
	char		workbuf[MAXDATELEN + MAXDATEFIELDS];
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	int			nf;
	int			dtype;
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz;
	TimestampTz result;
#if PG_VERSION_NUM >= 160000
	DateTimeErrorExtra extra;	/* PostgreSQL 16 added DecodeDateTime's extra */
#endif

	if (strlen(value) >= MAXDATELEN ||
		ParseDateTime(value, workbuf, sizeof(workbuf), field, ftype,
					  MAXDATEFIELDS, &nf) != 0 ||
#if PG_VERSION_NUM >= 160000
		DecodeDateTime(field, ftype, nf, &dtype, &tm, &fsec, &tz, &extra) != 0 ||
#else
		DecodeDateTime(field, ftype, nf, &dtype, &tm, &fsec, &tz) != 0 ||
#endif
		dtype != DTK_DATE ||
		tm2timestamp(&tm, fsec, &tz, &result) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid create date \"%s\"", value)));
	return result;
}

/* Finish a section: its lines without leading and trailing blank lines. */
static char *
section_text(StringInfo buf, int *skipped)
{
	char	   *start = buf->data;
	char	   *end = buf->data + buf->len;

	*skipped = 0;

	/* leading blank lines go whole, so that line numbers stay true */
	while (true)
	{
		char	   *p = start;

		while (p < end && *p != '\n' && isspace((unsigned char) *p))
			p++;
		if (p < end && *p == '\n')
		{
			start = p + 1;
			(*skipped)++;
		}
		else
			break;
	}
	while (end > start && isspace((unsigned char) end[-1]))
		end--;
	return pnstrdup(start, end - start);
}

/*
 * A checkpoint stands for the revisions below one revision, REV: its
 * upgrade builds the schema as they leave it, so it revises exactly REV,
 * runs where a migration's transaction can take it back, and cannot be
 * taken back itself.  Dependencies would be applied below it, which a
 * checkpoint has no room for.
 */
static void
check_checkpoint(const PmRevisionDef *def, bool seen_downgrade)
{
	const char *why = NULL;

	if (list_length(def->down_revisions) != 1)
		why = "It must revise exactly one revision, the one whose schema its script builds.";
	else if (seen_downgrade)
		why = "It has no \"-- +downgrade\" section: a downgrade below a checkpoint is refused.";
	else if (!def->transactional)
		why = "It cannot be \"Transactional: false\": its script runs in the migration's transaction.";
	else if (def->depends_on != NIL)
		why = "It cannot have \"Depends On\": it stands for everything below the revision it revises.";
	if (why)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid checkpoint revision \"%s\"", def->revision),
				 errdetail("%s", why)));
}

/*
 * pm_revfile_parse
 *		Parse the text of a revision file into a definition, checksum
 *		included.  Raises 22023 on anything malformed.
 */
PmRevisionDef *
pm_revfile_parse(const char *text)
{
	PmRevisionDef *def = palloc0(sizeof(PmRevisionDef));
	int			skipped;
	ParseState	state = {0};
	ErrorContextCallback errcallback;
	Section		section = SECTION_HEADER;
	StringInfoData upgrade;
	StringInfoData downgrade;
	bool		seen_revises = false;
	bool		seen_downgrade = false;
	bool		seen_key = false;
	bool		seen_transactional = false;
	bool		seen_checkpoint = false;
	char	   *copy = pstrdup(text);
	char	   *rest = copy;

	def->transactional = true;
	initStringInfo(&upgrade);
	initStringInfo(&downgrade);

	errcallback.callback = parse_error_callback;
	errcallback.arg = &state;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	while (rest != NULL)
	{
		char	   *line = next_line(&rest);
		char	   *comment;
		char	   *colon;

		state.lineno++;
		comment = comment_text(line);
		if (is_marker(comment, "upgrade"))
		{
			if (section != SECTION_HEADER)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("revision file has a second \"-- +upgrade\" line or one after \"-- +downgrade\"")));
			section = SECTION_UPGRADE;
			def->upgrade_line = state.lineno + 1;
		}
		else if (is_marker(comment, "downgrade"))
		{
			if (section != SECTION_UPGRADE)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("\"-- +downgrade\" must follow the \"-- +upgrade\" section, once")));
			section = SECTION_DOWNGRADE;
			seen_downgrade = true;
		}
		else if (section == SECTION_UPGRADE)
			appendStringInfo(&upgrade, "%s\n", line);
		else if (section == SECTION_DOWNGRADE)
			appendStringInfo(&downgrade, "%s\n", line);
		else if (comment == NULL)
		{
			if (*trim(line) != '\0')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("revision file has text before its \"-- +upgrade\" line"),
						 errhint("Header lines start with \"--\".")));
		}
		else if ((colon = strchr(comment, ':')) != NULL &&
				 pm_revfile_header_key(comment, colon - comment) != NULL)
		{
			const char *key = pm_revfile_header_key(comment, colon - comment);
			char	   *value = trim(colon + 1);

			seen_key = true;
			if (strcmp(key, "Revision ID") == 0)
			{
				if (def->revision)
					goto duplicate;
				pm_revfile_check_name(value, "revision id");
				def->revision = pstrdup(value);
			}
			else if (strcmp(key, "Revises") == 0)
			{
				if (seen_revises)
					goto duplicate;
				seen_revises = true;
				def->down_revisions = split_names(value, key);
			}
			else if (strcmp(key, "Branch Labels") == 0)
			{
				if (def->branch_labels)
					goto duplicate;
				def->branch_labels = split_names(value, key);
			}
			else if (strcmp(key, "Depends On") == 0)
			{
				if (def->depends_on)
					goto duplicate;
				def->depends_on = split_names(value, key);
			}
			else if (strcmp(key, "Create Date") == 0)
			{
				if (def->has_created_at)
					goto duplicate;
				def->created_at = parse_create_date(value);
				def->has_created_at = true;
			}
			else if (strcmp(key, "Transactional") == 0 ||
					 strcmp(key, "Checkpoint") == 0)
			{
				bool		transactional = strcmp(key, "Transactional") == 0;
				bool	   *seen = transactional ? &seen_transactional : &seen_checkpoint;

				if (*seen)
					goto duplicate;
				*seen = true;
				if (!parse_bool(value, transactional ? &def->transactional :
								&def->checkpoint))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("header \"%s\" must be true or false, not \"%s\"",
									key, value)));
			}
			continue;

	duplicate:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("header \"%s\" appears twice", key)));
		}
		else if (def->message == NULL && !seen_key && *comment != '\0')
			def->message = pstrdup(comment);

	}

	state.lineno = 0;
	if (section == SECTION_HEADER)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("revision file has no \"-- +upgrade\" line")));
	if (def->revision == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("revision file has no \"Revision ID\" header")));
	if (!seen_revises)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("revision file has no \"Revises\" header"),
				 errhint("A first revision says \"-- Revises:\" with nothing after it.")));

	if (def->checkpoint)
		check_checkpoint(def, seen_downgrade);

	error_context_stack = errcallback.previous;

	if (def->message == NULL)
		def->message = pstrdup("");
	def->upgrade_sql = section_text(&upgrade, &skipped);
	def->upgrade_line += skipped;
	def->downgrade_sql = seen_downgrade ? section_text(&downgrade, &skipped) : NULL;
	pm_revfile_checksum(def);
	return def;
}

/*
 * pm_revfile_marker_line
 *		The 1-based line of script that this parser would read as a
 *		section marker ("-- +upgrade", "-- +downgrade"), or 0: a script
 *		written into a revision file must have none, or the file would end
 *		its section there (a line of a function body or a comment string
 *		can look like one).
 */
int
pm_revfile_marker_line(const char *script)
{
	char	   *copy = pstrdup(script);
	char	   *rest = copy;
	int			lineno = 0;

	while (rest != NULL)
	{
		char	   *comment = comment_text(next_line(&rest));

		lineno++;
		if (is_marker(comment, "upgrade") || is_marker(comment, "downgrade"))
		{
			pfree(copy);
			return lineno;
		}
	}
	pfree(copy);
	return 0;
}

/*
 * pm_revfile_checksum
 *		Hex sha256 of the scripts into def->checksum.  The downgrade script
 *		is preceded by a marker byte, so that "no downgrade" (irreversible)
 *		and an empty downgrade hash differently.
 */
void
pm_revfile_checksum(PmRevisionDef *def)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	uint8		sep = 0;
	uint8		has_down = 1;

	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) def->upgrade_sql,
							 strlen(def->upgrade_sql)) < 0 ||
		pg_cryptohash_update(ctx, &sep, 1) < 0 ||
		(def->downgrade_sql != NULL &&
		 (pg_cryptohash_update(ctx, &has_down, 1) < 0 ||
		  pg_cryptohash_update(ctx, (const uint8 *) def->downgrade_sql,
							   strlen(def->downgrade_sql)) < 0)) ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		elog(ERROR, "could not compute the sha256 of revision \"%s\": %s",
			 def->revision, pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);

	hex_encode((const char *) digest, sizeof(digest), def->checksum);
	def->checksum[2 * PG_SHA256_DIGEST_LENGTH] = '\0';
}
