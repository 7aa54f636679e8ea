/*-------------------------------------------------------------------------
 *
 * revision_files.c
 *	  The versions directory: reading its revision files, loading them into
 *	  the server, and writing new ones (pim_migrate revision and merge).
 *
 * Files are named <revision>_<slug>.sql, in the format of SPEC.md.  A
 * deploy sends every file to the server as it is (load_files), which
 * parses and orders them; "revision" and "merge" need no database, so they
 * read the few header fields that place a new revision here, by the
 * server's rules (parse_header).
 *
 * bin/revision_files.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "lib/stringinfo.h"
#include "libpq-fe.h"
#include "port/pg_bswap.h"

#include "cli.h"
#include "revfile_key.h"

const char *versions_dir = "versions";

/* device, inode, size, modification and change times (stat_key) */
#define STAT_KEY_LENGTH 7

/* One revision file, with the header fields that place a new revision. */
typedef struct RevFile
{
	char	   *name;			/* file name within the directory */
	char	   *text;
	char	   *id;
	char	  **revises;
	int			nrevises;
	char	  **depends;
	int			ndepends;
	char	  **labels;
	int			nlabels;
	char	   *checksum;		/* of the text (text_checksum), for loading */
	bool		has_stat_key;	/* false if it changed too recently to tell */
	int64		stat_key[STAT_KEY_LENGTH];	/* stat_key(), for loading */
} RevFile;

/*
 * A deploy reads every file every time: open, one read, close for a file
 * that fits the buffer (stdio would add an fstat and a read to see the
 * end).  name is opened relative to dirfd, dir names it in messages; buf
 * is the caller's, kept from file to file; each text is copied at its own
 * size.  On an error: with error, *error says it and NULL is returned (a
 * thread's caller reports it); else the command fails.
 */
static char *
read_text(int dirfd, const char *dir, const char *name, StringInfo buf,
		  char **error)
{
	int			fd = openat(dirfd, name, O_RDONLY | PG_BINARY, 0);
	char	   *str;

	if (fd < 0)
	{
		char	   *message = psprintf("could not open \"%s%s%s\": %m",
									   dir ? dir : "", dir ? "/" : "", name);

		if (error == NULL)
			fail("%s", message);
		*error = message;
		return NULL;
	}
	resetStringInfo(buf);
	for (;;)
	{
		int			room;
		ssize_t		n;

		enlargeStringInfo(buf, 65536);
		room = buf->maxlen - buf->len - 1;
		n = read(fd, buf->data + buf->len, room);
		if (n < 0)
		{
			char	   *message = psprintf("could not read \"%s%s%s\": %m",
										   dir ? dir : "", dir ? "/" : "",
										   name);

			close(fd);
			if (error == NULL)
				fail("%s", message);
			*error = message;
			return NULL;
		}
		buf->len += n;
		/* a regular file reads short only at its end */
		if (n < room)
			break;
	}
	close(fd);
	str = palloc(buf->len + 1);
	memcpy(str, buf->data, buf->len);
	str[buf->len] = '\0';
	return str;
}

char *
read_file(const char *path)
{
	static StringInfoData buf;

	if (buf.data == NULL)
		initStringInfo(&buf);
	return read_text(AT_FDCWD, NULL, path, &buf, NULL);
}

/*
 * The header of a revision file, read by the server's rules
 * (src/revision_file.c, pm_revfile_parse), which "revision" and "merge"
 * need without a database: "--" comment lines (after optional white
 * space, the text after the dashes trimmed) up to the first section
 * marker; a key is the text before the first colon, matched
 * case-insensitively with white space around it and inside it as one
 * space (pm_revfile_header_key, shared with the server), so
 * "-- Revises : a, b" and "--revision  id:x" count; a value is trimmed and
 * lists are split at commas.  Only the keys that place a new revision are kept; the server
 * checks the rest when it loads the file.
 */

/* Split "a, b" (start..end) into trimmed names; empty items are skipped. */
static char **
split_list(const char *start, const char *end, int *n)
{
	char	  **result = pg_malloc(sizeof(char *) * (end - start + 1));

	*n = 0;
	while (start < end)
	{
		const char *comma = memchr(start, ',', end - start);
		const char *stop = comma ? comma : end;
		const char *s = start;
		const char *e = stop;

		while (s < e && isspace((unsigned char) *s))
			s++;
		while (e > s && isspace((unsigned char) e[-1]))
			e--;
		if (e > s)
			result[(*n)++] = pnstrdup(s, e - s);
		start = comma ? comma + 1 : end;
	}
	return result;
}

/* Is the comment text s..e the marker "+name"? */
static bool
is_marker(const char *s, const char *e, const char *name)
{
	size_t		len = strlen(name);

	return (size_t) (e - s) == len + 1 && s[0] == '+' &&
		pg_strncasecmp(s + 1, name, len) == 0;
}

static void
parse_header(RevFile *f)
{
	const char *line = f->text;

	while (*line)
	{
		const char *end = strchr(line, '\n');
		const char *next = end ? end + 1 : line + strlen(line);
		const char *s = line;
		const char *e = end ? end : next;
		const char *colon;
		const char *key;

		line = next;
		while (s < e && isspace((unsigned char) *s))
			s++;

		/* s moved in the loop above, which cppcheck does not see */
		/* cppcheck-suppress knownConditionTrueFalse */
		if (e - s < 2 || s[0] != '-' || s[1] != '-')
			continue;
		s += 2;
		while (s < e && isspace((unsigned char) *s))
			s++;
		while (e > s && isspace((unsigned char) e[-1]))
			e--;
		if (is_marker(s, e, "upgrade") || is_marker(s, e, "downgrade"))
			break;
		colon = memchr(s, ':', e - s);
		if (colon == NULL ||
			(key = pm_revfile_header_key(s, colon - s)) == NULL)
			continue;
		/* the value, trimmed; the server refuses a key given twice */
		for (s = colon + 1; s < e && isspace((unsigned char) *s); s++)
			;
		if (strcmp(key, "Revision ID") == 0 && f->id == NULL)
			f->id = pnstrdup(s, e - s);
		else if (strcmp(key, "Revises") == 0 && f->revises == NULL)
			f->revises = split_list(s, e, &f->nrevises);
		else if (strcmp(key, "Branch Labels") == 0 && f->labels == NULL)
			f->labels = split_list(s, e, &f->nlabels);
		else if (strcmp(key, "Depends On") == 0 && f->depends == NULL)
			f->depends = split_list(s, e, &f->ndepends);
	}
}

/* A sha256 in steps: sha256_begin, sha256_add of each piece, sha256_end. */
static pg_cryptohash_ctx *
sha256_begin(void)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (ctx == NULL || pg_cryptohash_init(ctx) < 0)
		fail("could not compute a sha256: %s",
			 ctx ? pg_cryptohash_error(ctx) : "out of memory");
	return ctx;
}

static void
sha256_add(pg_cryptohash_ctx *ctx, const void *data, size_t len)
{
	if (pg_cryptohash_update(ctx, (const uint8 *) data, len) < 0)
		fail("could not compute a sha256: %s", pg_cryptohash_error(ctx));
}

/* The hex digest; frees ctx. */
static char *
sha256_end(pg_cryptohash_ctx *ctx)
{
	static const char digits[] = "0123456789abcdef";
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	char	   *hex = pg_malloc(2 * PG_SHA256_DIGEST_LENGTH + 1);

	if (pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		fail("could not compute a sha256: %s", pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);
	for (int i = 0; i < PG_SHA256_DIGEST_LENGTH; i++)
	{
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 15];
	}
	hex[2 * PG_SHA256_DIGEST_LENGTH] = '\0';
	return hex;
}

/*
 * The hex sha256 of a whole file text, as the server computes it
 * (pm_known_file_checksum): what it remembers of the texts it loaded.
 */
static char *
text_checksum(const char *text)
{
	pg_cryptohash_ctx *ctx = sha256_begin();

	sha256_add(ctx, text, strlen(text));
	return sha256_end(ctx);
}

/*
 * A file's stat keys, as git's index keeps them: its device, inode, size,
 * and modification and change times, which any write changes, provided
 * the write is not in the same tick of the file system's clock as the
 * stat.  So a file changed less than STAT_SETTLE_SECONDS before the
 * deploy started (at settled_before) has none: its next change could
 * leave them as they are.  The change time cannot be set by a user.
 */
#define STAT_SETTLE_SECONDS 2

static bool
stat_key(int dirfd, const char *name, time_t settled_before, int64 *key)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, 0) != 0 || !S_ISREG(st.st_mode) ||
		st.st_mtim.tv_sec >= settled_before ||
		st.st_ctim.tv_sec >= settled_before)
		return false;
	key[0] = (int64) st.st_dev;
	key[1] = (int64) st.st_ino;
	key[2] = (int64) st.st_size;
	key[3] = (int64) st.st_mtim.tv_sec;
	key[4] = (int64) st.st_mtim.tv_nsec;
	key[5] = (int64) st.st_ctim.tv_sec;
	key[6] = (int64) st.st_ctim.tv_nsec;
	return true;
}

/*
 * Reading the files, in a few threads when there are many: a deploy
 * reads thousands of files every time, and most of that is the system
 * calls of opening, reading and closing each (or of a stat), which cores
 * run side by side.  The threads claim chunks of CHUNK_FILES files in
 * turn and write only the slots of their chunks.  With the stat keys,
 * each chunk's digest is taken where its keys were: the digest of the
 * whole list is that of the chunks' digests, the same however many
 * threads there were.
 */
#define READ_THREADS_MAX 4
#define CHUNK_FILES 256

typedef enum ReadWhat
{
	READ_TEXTS,					/* each text */
	READ_CHECKSUMS,				/* each text and its checksum */
	READ_STAT_KEYS,				/* each stat key (stat_key) only */
} ReadWhat;

typedef struct ReadShared
{
	RevFile    *files;
	int			nfiles;
	int			dirfd;
	ReadWhat	what;
	time_t		settled_before; /* for READ_STAT_KEYS */
	pthread_mutex_t claim;
	int			next_chunk;		/* the next one to claim, under claim */
	char	  **chunk_digests;	/* for READ_STAT_KEYS: of the chunk's names
								 * and stat keys, NULL if a file has none */
} ReadShared;

typedef struct ReadWork
{
	ReadShared *shared;
	char	   *error;			/* the first error, where the thread stopped */
} ReadWork;

static int
claim_chunk(ReadShared *sh)
{
	int			chunk;

	pthread_mutex_lock(&sh->claim);
	chunk = sh->next_chunk++;
	pthread_mutex_unlock(&sh->claim);
	return chunk * CHUNK_FILES < sh->nfiles ? chunk : -1;
}

/* The stat keys of one chunk, and its digest if every file has them. */
static void
stat_chunk(ReadShared *sh, int chunk)
{
	int			first = chunk * CHUNK_FILES;
	int			end = Min(first + CHUNK_FILES, sh->nfiles);
	pg_cryptohash_ctx *ctx;

	for (int i = first; i < end; i++)
		if (!(sh->files[i].has_stat_key =
			  stat_key(sh->dirfd, sh->files[i].name, sh->settled_before,
					   sh->files[i].stat_key)))
			return;
	ctx = sha256_begin();
	for (int i = first; i < end; i++)
	{
		sha256_add(ctx, sh->files[i].name, strlen(sh->files[i].name) + 1);
		sha256_add(ctx, sh->files[i].stat_key, sizeof(sh->files[i].stat_key));
	}
	sh->chunk_digests[chunk] = sha256_end(ctx);
}

static void *
read_some(void *arg)
{
	ReadWork   *w = arg;
	ReadShared *sh = w->shared;
	StringInfoData buf;
	int			chunk;

	initStringInfo(&buf);
	while (w->error == NULL && (chunk = claim_chunk(sh)) >= 0)
	{
		if (sh->what == READ_STAT_KEYS)
		{
			stat_chunk(sh, chunk);
			continue;
		}
		for (int i = chunk * CHUNK_FILES;
			 i < Min((chunk + 1) * CHUNK_FILES, sh->nfiles); i++)
		{
			RevFile    *f = &sh->files[i];

			f->text = read_text(sh->dirfd, versions_dir, f->name, &buf,
								&w->error);
			if (w->error)
				break;
			if (sh->what == READ_CHECKSUMS)
				f->checksum = text_checksum(f->text);
		}
	}
	pfree(buf.data);
	return NULL;
}

/*
 * Read what of each file; returns the first error (of a thread), or NULL.
 * With READ_STAT_KEYS, *digest is the sha256 of the directory's real path
 * and the chunks' digests (each of its files' names, with their
 * terminating NUL so no two lists hash the same bytes, and stat keys), or
 * NULL if a file has none; a stat that fails is no error: reading the
 * text says what is wrong.
 */
static char *
read_files(RevFile *files, int n, int dirfd, ReadWhat what, char **digest)
{
	ReadShared	sh;
	ReadWork	work[READ_THREADS_MAX];
	pthread_t	threads[READ_THREADS_MAX];
	int			nchunks = (n + CHUNK_FILES - 1) / CHUNK_FILES;
	long		cores = sysconf(_SC_NPROCESSORS_ONLN);
	int			nthreads = Min(Max(nchunks, 1),
							   Min(Max(cores, 1), READ_THREADS_MAX));
	int			started = 1;
	char	   *error = NULL;

	memset(&sh, 0, sizeof(sh));
	sh.files = files;
	sh.nfiles = n;
	sh.dirfd = dirfd;
	sh.what = what;
	sh.settled_before = time(NULL) - STAT_SETTLE_SECONDS;
	pthread_mutex_init(&sh.claim, NULL);
	if (what == READ_STAT_KEYS)
		sh.chunk_digests = pg_malloc0(sizeof(char *) * Max(nchunks, 1));
	memset(work, 0, sizeof(work));
	for (int k = 0; k < nthreads; k++)
		work[k].shared = &sh;
	/* a thread that does not start leaves its share to the others */
	while (started < nthreads &&
		   pthread_create(&threads[started], NULL, read_some,
						  &work[started]) == 0)
		started++;
	read_some(&work[0]);
	for (int k = 1; k < started; k++)
		pthread_join(threads[k], NULL);
	pthread_mutex_destroy(&sh.claim);
	for (int k = 0; k < started && error == NULL; k++)
		error = work[k].error;

	if (what == READ_STAT_KEYS)
	{
		pg_cryptohash_ctx *ctx = sha256_begin();
		char	   *real = realpath(versions_dir, NULL);
		const char *dir = real ? real : versions_dir;
		int			c;

		sha256_add(ctx, dir, strlen(dir) + 1);
		for (c = 0; c < nchunks && sh.chunk_digests[c] != NULL; c++)
			sha256_add(ctx, sh.chunk_digests[c], strlen(sh.chunk_digests[c]));
		*digest = sha256_end(ctx);
		if (c < nchunks)
		{
			/* a file has no stat keys */
			pg_free(*digest);
			*digest = NULL;
		}
		free(real);
		for (c = 0; c < nchunks; c++)
			pg_free(sh.chunk_digests[c]);
		pg_free(sh.chunk_digests);
	}
	return error;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(((const RevFile *) a)->name, ((const RevFile *) b)->name);
}

static void
sort_by_name(RevFile *files, int n)
{
	if (n > 0)
		qsort(files, n, sizeof(RevFile), name_cmp);
}

/*
 * The names of every .sql file of the versions directory, in the
 * directory's order (the same while the directory is unchanged), into
 * *files; the directory is left open in *dir.  On an error: with error,
 * *error says it and false is returned; else the command fails.
 */
static bool
list_versions(RevFile **files, int *n, DIR **dir, char **error)
{
	struct dirent *de;
	int			cap = 0;

	*n = 0;
	*files = NULL;
	*dir = opendir(versions_dir);
	if (*dir == NULL)
	{
		char	   *message = psprintf("could not open the versions directory \"%s\": %m (run \"%s init\" first, or give --dir)",
									   versions_dir, progname);

		if (error == NULL)
			fail("%s", message);
		*error = message;
		return false;
	}
	while ((de = readdir(*dir)) != NULL)
	{
		size_t		len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".sql") != 0 || de->d_name[0] == '.')
			continue;
		if (*n == cap)
		{
			cap = cap ? cap * 2 : 64;
			*files = pg_realloc(*files, sizeof(RevFile) * cap);
		}
		memset(&(*files)[*n], 0, sizeof(RevFile));
		(*files)[(*n)++].name = pg_strdup(de->d_name);
	}
	return true;
}

/*
 * Every .sql file of the versions directory, in name order, with its
 * text and header fields.  Any error fails the command.
 */
static RevFile *
read_versions(int *n)
{
	RevFile    *files;
	DIR		   *dir;
	char	   *message;

	list_versions(&files, n, &dir, NULL);
	sort_by_name(files, *n);
	message = read_files(files, *n, dirfd(dir), READ_TEXTS, NULL);
	closedir(dir);
	if (message)
		fail("%s", message);
	for (int i = 0; i < *n; i++)
		parse_header(&files[i]);
	return files;
}

/*
 * A deploy lists the files and takes their stat keys while it connects: a
 * thread starts on them before the connection is made
 * (prefetch_versions), and load_files takes what it found, reporting its
 * error, if any, where loading would have.  The digest of the stat keys
 * (read_files) is what the server remembers with a list of texts found
 * all known.  It is taken in the directory's order, which sorting would
 * cost a no-op deploy: when the order changes, the next deploy reads the
 * texts once more.
 */
typedef struct Versions
{
	RevFile    *files;
	int			n;
	DIR		   *dir;
	char	   *stats;			/* the digest of the stat keys, or NULL */
	char	   *error;
} Versions;

static pthread_t prefetch_thread;
static bool prefetching = false;	/* the thread runs */
static bool prefetch_ready = false; /* it ended: prefetched is to take */
static Versions prefetched;

static void
list_for_loading(Versions *v)
{
	if (list_versions(&v->files, &v->n, &v->dir, &v->error))
		v->error = read_files(v->files, v->n, dirfd(v->dir), READ_STAT_KEYS,
							  &v->stats);
}

static void *
prefetch_main(void *arg)
{
	list_for_loading(&prefetched);
	return NULL;
}

void
prefetch_versions(void)
{
	if (!prefetching)
		prefetching = pthread_create(&prefetch_thread, NULL, prefetch_main,
									 NULL) == 0;
}

/*
 * Wait for the files being listed, failing on their error: before a fork
 * (fleet.c), since the thread does not go with it, and the files listed
 * once do for every database.
 */
void
prefetch_wait(void)
{
	if (prefetching)
	{
		pthread_join(prefetch_thread, NULL);
		prefetching = false;
		prefetch_ready = true;
	}
	if (prefetch_ready && prefetched.error)
		fail("%s", prefetched.error);
}

/* The files to load, with their stat keys: the prefetched ones, once. */
static void
versions_to_load(Versions *v)
{
	prefetch_wait();
	if (prefetch_ready)
	{
		*v = prefetched;
		prefetch_ready = false;
		return;
	}
	memset(v, 0, sizeof(*v));
	list_for_loading(v);
	if (v->error)
		fail("%s", v->error);
}

/*
 * Names (ids and branch labels) of the files, sorted, for lookups in
 * O(log n): a deploy orders thousands of files each time.
 */
typedef struct FileName
{
	const char *name;
	int			file;
} FileName;

static FileName *file_names = NULL;
static int	nfile_names = 0;
static RevFile *file_names_of = NULL;

static int
file_name_cmp(const void *a, const void *b)
{
	const FileName *x = a;
	const FileName *y = b;
	int			c = strcmp(x->name, y->name);

	return c ? c : x->file - y->file;
}

static int
file_name_key_cmp(const void *key, const void *elem)
{
	return strcmp((const char *) key, ((const FileName *) elem)->name);
}

/* The index of the file whose id or label is name, or -1. */
static int
find_file(RevFile *files, int n, const char *name)
{
	FileName   *hit;

	if (file_names_of != files)
	{
		int			total = 0;

		for (int i = 0; i < n; i++)
			total += 1 + files[i].nlabels;
		pg_free(file_names);
		file_names = pg_malloc(sizeof(FileName) * (total + 1));
		nfile_names = 0;
		for (int i = 0; i < n; i++)
		{
			if (files[i].id)
				file_names[nfile_names++] = (FileName)
			{
				files[i].id, i
			};
			for (int j = 0; j < files[i].nlabels; j++)
				file_names[nfile_names++] = (FileName)
			{
				files[i].labels[j], i
			};
		}
		qsort(file_names, nfile_names, sizeof(FileName), file_name_cmp);
		file_names_of = files;
	}
	hit = bsearch(name, file_names, nfile_names, sizeof(FileName), file_name_key_cmp);
	if (hit == NULL)
		return -1;
	/* the first of equal names, as a scan in file order would find */
	while (hit > file_names && strcmp((hit - 1)->name, name) == 0)
		hit--;
	return hit->file;
}

/*
 * A text[] in the binary format of array_recv: the server takes the files
 * as they are, without the quoting of a literal that array_in must undo
 * (at 10,000 files, most of the cost of passing them).
 */
static void
append_int32(StringInfo buf, uint32 value)
{
	uint32		n = pg_hton32(value);

	appendBinaryStringInfo(buf, (const char *) &n, sizeof(n));
}

static void
binary_text_array(StringInfo buf, const char *const *items, int n)
{
	append_int32(buf, 1);		/* dimensions */
	append_int32(buf, 0);		/* no NULLs */
	append_int32(buf, 25);		/* text */
	append_int32(buf, n);		/* length */
	append_int32(buf, 1);		/* lower bound */
	for (int i = 0; i < n; i++)
	{
		size_t		len = strlen(items[i]);

		append_int32(buf, (uint32) len);
		appendBinaryStringInfo(buf, items[i], len);
	}
}

/*
 * Run query with text[] parameters in the binary format; exits on an
 * error.
 */
static PGresult *
run_text_arrays(PGconn *conn, const char *query, int nparams,
				StringInfo arrays)
{
	const char *params[2];
	int			lengths[2];
	static const int formats[2] = {1, 1};
	static const Oid types[2] = {1009, 1009};	/* text[] */
	PGresult   *res;

	Assert(nparams <= 2);
	for (int i = 0; i < nparams; i++)
	{
		params[i] = arrays[i].data;
		lengths[i] = arrays[i].len;
	}
	res = PQexecParams(conn, query, nparams, types, params, lengths, formats, 0);
	check_result(conn, res, NULL);
	return res;
}

/*
 * Whether the server remembers stats, the digest of the files' stat keys,
 * with the last list of texts it found all known: then the files are
 * those texts, and loading them is a no-op (pim_migrate_files_unchanged).
 */
static bool
files_unchanged(PGconn *conn, const char *stats)
{
	PGresult   *res;
	bool		unchanged;

	res = PQexecParams(conn, "SELECT pim_migrate_files_unchanged($1)", 1,
					   NULL, &stats, NULL, NULL, 0);
	check_result(conn, res, NULL);
	unchanged = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return unchanged;
}

/*
 * The positions (from 1) of the files whose checksums the server does not
 * know to load as a no-op (pim_migrate_unknown_files), as "{3,17}"; with
 * stats, the server remembers them if it knows every one.
 */
static PGresult *
unknown_files(PGconn *conn, const Versions *v)
{
	const char **sums = pg_malloc(sizeof(char *) * (v->n + 1));
	StringInfoData array;
	const char *params[2];
	int			lengths[2];
	static const int formats[2] = {1, 0};
	static const Oid types[2] = {1009, 25}; /* text[], text */
	PGresult   *res;

	for (int i = 0; i < v->n; i++)
		sums[i] = v->files[i].checksum;
	initStringInfo(&array);
	binary_text_array(&array, sums, v->n);
	params[0] = array.data;
	lengths[0] = array.len;
	params[1] = v->stats;
	lengths[1] = 0;
	res = PQexecParams(conn, "SELECT pim_migrate_unknown_files($1, $2)", 2,
					   types, params, lengths, formats, 0);
	check_result(conn, res, NULL);
	pfree(array.data);
	pg_free(sums);
	return res;
}

/*
 * Load every file in the current transaction (a deploy loads them all
 * every time).  Files with the stat keys of the last files found all known
 * need not be read at all (files_unchanged); else the server says which
 * checksums of whole texts it does not know to load as a no-op
 * (unknown_files), and only those files are sent (pim_migrate_load_files),
 * in name order; the server reads their headers and registers parents
 * first.
 */
void
load_files(PGconn *conn)
{
	Versions	v;
	const char **items;
	const char **names;
	StringInfoData arrays[2];
	PGresult   *res;
	const char *p;
	int			nsend = 0;
	char	   *message;

	versions_to_load(&v);
	if (v.stats && files_unchanged(conn, v.stats))
	{
		closedir(v.dir);
		if (verbosity > 1)
			printf("loaded %d revision files from %s, 0 new or changed (none read: their stat keys are those of the files last loaded)\n",
				   v.n, versions_dir);
		return;
	}
	sort_by_name(v.files, v.n);
	message = read_files(v.files, v.n, dirfd(v.dir), READ_CHECKSUMS, NULL);
	closedir(v.dir);
	if (message)
		fail("%s", message);

	items = pg_malloc(sizeof(char *) * (v.n + 1));
	names = pg_malloc(sizeof(char *) * (v.n + 1));
	res = unknown_files(conn, &v);
	for (p = PQgetvalue(res, 0, 0); *p; p++)
		if (isdigit((unsigned char) *p))
		{
			int			i = (int) strtol(p, (char **) &p, 10) - 1;

			if (i < 0 || i >= v.n)
				fail("the server named file %d of %d to load", i + 1, v.n);
			items[nsend] = v.files[i].text;
			names[nsend++] = psprintf("%s/%s", versions_dir, v.files[i].name);
			p--;
		}
	PQclear(res);

	if (nsend == 0)
	{
		if (verbosity > 1)
			printf("loaded %d revision files from %s, 0 new or changed\n", v.n,
				   versions_dir);
	}
	else
	{
		initStringInfo(&arrays[0]);
		binary_text_array(&arrays[0], items, nsend);
		initStringInfo(&arrays[1]);
		binary_text_array(&arrays[1], names, nsend);
		res = run_text_arrays(conn, "SELECT pim_migrate_load_files($1, $2)", 2,
							  arrays);
		if (verbosity > 1)
			printf("loaded %d revision files from %s, %s new or changed\n", v.n,
				   versions_dir, PQgetvalue(res, 0, 0));
		PQclear(res);
		pfree(arrays[0].data);
		pfree(arrays[1].data);
	}
	for (int i = 0; i < nsend; i++)
		pfree((char *) names[i]);
	pg_free(items);
	pg_free(names);
}

/* A new 12-hex-digit id, as Alembic makes them. */
static char *
new_id(void)
{
	unsigned char bytes[6];
	int			fd = open("/dev/urandom", O_RDONLY);
	char	   *id = pg_malloc(13);

	if (fd < 0 || read(fd, bytes, sizeof(bytes)) != sizeof(bytes))
		fail("could not read /dev/urandom: %m");
	close(fd);
	for (int i = 0; i < 6; i++)
		sprintf(id + 2 * i, "%02x", bytes[i]);
	return id;
}

/*
 * "Add sector field" -> "add_sector_field", as Alembic's _rev_path
 * (script/base.py) makes it: the words (runs of ASCII letters, digits and
 * "_") joined by "_", lower-cased; longer than truncate_slug_length (40),
 * cut at 40 and back to the last "_" (the whole 40 when there is none),
 * then "_" is appended, so no word is cut in the middle.
 */
#define SLUG_LENGTH 40

static char *
slug(const char *message)
{
	char	   *out = pg_malloc(strlen(message) + 2);
	int			n = 0;
	bool		gap = false;

	for (const char *p = message; *p; p++)
	{
		if (isalnum((unsigned char) *p) || *p == '_')
		{
			if (gap && n > 0)
				out[n++] = '_';
			out[n++] = tolower((unsigned char) *p);
			gap = false;
		}
		else
			gap = true;
	}
	out[n] = '\0';
	if (n > SLUG_LENGTH)
	{
		char	   *cut;

		out[SLUG_LENGTH] = '\0';
		cut = strrchr(out, '_');
		n = cut ? cut - out : SLUG_LENGTH;
		out[n++] = '_';
		out[n] = '\0';
	}
	return n ? out : pg_strdup("revision");
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The file-level heads: ids no file names in its Revises. */
static char **
file_heads(RevFile *files, int n, int *nheads)
{
	char	  **heads = pg_malloc(sizeof(char *) * (n + 1));
	const char **named;
	int			nnamed = 0;
	int			total = 0;

	/* every name a Revises gives, sorted, for one lookup per file */
	for (int i = 0; i < n; i++)
		total += files[i].nrevises;
	named = pg_malloc(sizeof(char *) * (total + 1));
	for (int i = 0; i < n; i++)
		for (int k = 0; k < files[i].nrevises; k++)
			named[nnamed++] = files[i].revises[k];
	if (nnamed > 0)
		qsort(named, nnamed, sizeof(char *), str_cmp);
	*nheads = 0;
	for (int i = 0; i < n; i++)
		if (files[i].id &&
			(nnamed == 0 ||
			 bsearch(&files[i].id, named, nnamed, sizeof(char *), str_cmp) == NULL))
			heads[(*nheads)++] = files[i].id;
	pg_free(named);
	return heads;
}

/*
 * A revision among the files: an id, a label, or a unique prefix of an id
 * of four characters or more (the server's rule, which is Alembic's).
 */
static const char *
file_revision(RevFile *files, int n, const char *name)
{
	const char *found = NULL;
	int			k = find_file(files, n, name);

	if (k >= 0)
		return files[k].id;
	for (int i = 0; i < n && *name; i++)
		if (files[i].id && strlen(files[i].id) >= 4 &&
			strncmp(files[i].id, name, strlen(name)) == 0)
		{
			if (found)
				fail("revision prefix \"%s\" is ambiguous among the files", name);
			found = files[i].id;
		}
	if (!found)
		fail("Can't locate revision identified by '%s' among the files of %s", name, versions_dir);
	return found;
}

/*
 * Write a revision file; downgrade NULL: a checkpoint, marked so in its
 * header, with no downgrade section.
 */
static int
write_revision(const char *message, const char *revises, const char *labels,
			   const char *depends, const char *rev_id, const char *upgrade,
			   const char *downgrade)
{
	char	   *id = rev_id ? pg_strdup(rev_id) : new_id();
	char	   *path = psprintf("%s/%s_%s.sql", versions_dir, id, slug(message));
	FILE	   *f;
	time_t		now = time(NULL);
	char		date[64];
	struct stat st;

	if (stat(path, &st) == 0)
		fail("\"%s\" exists already", path);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", localtime(&now));
	f = fopen(path, "w");
	if (f == NULL)
		fail("could not create \"%s\": %m", path);
	fprintf(f, "-- %s\n--\n-- Revision ID: %s\n-- Revises: %s\n", message, id, revises);
	if (labels)
		fprintf(f, "-- Branch Labels: %s\n", labels);
	if (depends)
		fprintf(f, "-- Depends On: %s\n", depends);
	if (downgrade == NULL)
		fprintf(f, "-- Checkpoint: true\n");
	fprintf(f, "-- Create Date: %s\n\n-- +upgrade\n%s\n", date, upgrade);
	if (downgrade != NULL)
		fprintf(f, "-- +downgrade\n%s", downgrade);
	if (fclose(f) != 0)
		fail("could not write \"%s\": %m", path);
	if (verbosity > 0)
		printf("Generating %s ... done\n", path);
	return 0;
}

/*
 * pim_migrate revision: a new file on the single head among the files (or
 * --head), with the scripts given (autogenerate) or empty sections.
 */
int
cmd_revision(const char *message, const char *head, const char *label,
			 const char *depends, const char *rev_id, const char *upgrade,
			 const char *downgrade)
{
	int			n;
	RevFile    *files = read_versions(&n);
	const char *revises;

	if (head && strcmp(head, "base") == 0)
		revises = "";
	else if (head)
	{
		char	   *name = pg_strdup(head);
		size_t		len = strlen(name);

		/* LABEL@head among the files: the head on that branch */
		if (len > 5 && strcmp(name + len - 5, "@head") == 0)
		{
			name[len - 5] = '\0';
			if (find_file(files, n, name) < 0)
				fail("Can't locate revision identified by '%s' among the files of %s", name, versions_dir);
			fail("--head LABEL@head needs the database: name the head revision itself");
		}
		revises = file_revision(files, n, name);
	}
	else
	{
		int			nheads;
		char	  **heads = file_heads(files, n, &nheads);

		if (nheads > 1)
		{
			fprintf(stderr, "%s: Multiple heads are present; please specify the head revision on which the new revision should be based, or perform a merge\n", progname);
			for (int i = 0; i < nheads; i++)
				fprintf(stderr, "  %s\n", heads[i]);
			exit(EXIT_ERROR);
		}
		revises = nheads == 1 ? heads[0] : "";
	}
	if (depends)
		depends = file_revision(files, n, depends);
	return write_revision(message, revises, label, depends, rev_id,
						  upgrade ? upgrade : "\n", downgrade ? downgrade : "\n");
}

/* pim_migrate merge: an empty revision on the given heads (default all). */
int
cmd_merge(const char *message, const char *rev_id, int nrevs, char **revs)
{
	int			n;
	RevFile    *files = read_versions(&n);
	StringInfoData revises;

	initStringInfo(&revises);
	if (nrevs == 0 || (nrevs == 1 && strcmp(revs[0], "heads") == 0))
	{
		int			nheads;
		char	  **heads = file_heads(files, n, &nheads);

		if (nheads < 2)
			fail("nothing to merge: the files have %d head", nheads);
		for (int i = 0; i < nheads; i++)
			appendStringInfo(&revises, "%s%s", i ? ", " : "", heads[i]);
	}
	else
		for (int i = 0; i < nrevs; i++)
			appendStringInfo(&revises, "%s%s", i ? ", " : "",
							 file_revision(files, n, revs[i]));
	return write_revision(message, revises.data, NULL, NULL, rev_id, "", "");
}

/*
 * pim_migrate checkpoint [REV] -m MESSAGE: a revision file on REV (a head
 * among the files, default the single one) whose upgrade builds the schema
 * as the revisions up to REV leave it (pim_migrate_checkpoint_sql, on the
 * database, rolled back).  It must revise a head: the revisions written
 * after it stand on it, and only then do new databases go through it.
 */
int
cmd_checkpoint(PGconn *conn, const char *rev, const char *message,
			   const char *rev_id)
{
	int			n;
	int			nheads;
	RevFile    *files = read_versions(&n);
	char	  **heads = file_heads(files, n, &nheads);
	const char *revises = NULL;
	PGresult   *res;
	char	   *upgrade;

	if (rev)
		revises = file_revision(files, n, rev);
	else if (nheads == 1)
		revises = heads[0];
	else
		fail("checkpoint needs a revision: the files have %d heads", nheads);
	for (int i = 0; i < nheads && rev; i++)
		if (strcmp(heads[i], revises) == 0)
			rev = NULL;
	if (rev)
		fail("revision \"%s\" is not a head among the files: a checkpoint of it would be on no revision's way to head",
			 revises);

	begin_and_load(conn);
	res = run(conn, "SELECT pim_migrate_checkpoint_sql($1)", 1, &revises, NULL);
	upgrade = pg_strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	PQclear(run(conn, "ROLLBACK", 0, NULL, NULL));
	return write_revision(message, revises, NULL, NULL, rev_id, upgrade, NULL);
}
