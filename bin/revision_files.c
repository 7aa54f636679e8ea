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

/*
 * The hex sha256 of a whole file text, as the server computes it
 * (pm_known_file_checksum): what it remembers of the texts it loaded.
 */
static char *
text_checksum(const char *text)
{
	static const char digits[] = "0123456789abcdef";
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	char	   *hex = pg_malloc(2 * PG_SHA256_DIGEST_LENGTH + 1);

	if (ctx == NULL || pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) text, strlen(text)) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		fail("could not compute the sha256 of a revision file: %s",
			 ctx ? pg_cryptohash_error(ctx) : "out of memory");
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
 * Reading the files, in a few threads when there are many: a deploy
 * reads thousands of files every time, and most of that is the system
 * calls of opening, reading and closing each, which cores run side by
 * side.  Each thread takes every nth file and writes only its slots.
 */
#define READ_THREADS_MAX 4
#define FILES_PER_THREAD 256

typedef struct ReadWork
{
	RevFile    *files;
	int			nfiles;
	int			first;			/* this thread reads first, first + step, ... */
	int			step;
	int			dirfd;
	bool		checksums;		/* also the checksum of each text */
	char	   *error;			/* the first error, where the thread stopped */
} ReadWork;

static void *
read_some(void *arg)
{
	ReadWork   *w = arg;
	StringInfoData buf;

	initStringInfo(&buf);

	/* the thread's ReadWork is filled before it starts */
	/* cppcheck-suppress uninitvar */
	for (int i = w->first; i < w->nfiles; i += w->step)
	{
		w->files[i].text = read_text(w->dirfd, versions_dir, w->files[i].name,
									 &buf, &w->error);
		if (w->error)
			break;
		if (w->checksums)
			w->files[i].checksum = text_checksum(w->files[i].text);
	}
	pfree(buf.data);
	return NULL;
}

/* Read the texts of files; returns the first error (of a thread), or NULL. */
static char *
read_texts(RevFile *files, int n, int dirfd, bool checksums)
{
	ReadWork	work[READ_THREADS_MAX];
	pthread_t	threads[READ_THREADS_MAX];
	long		cores = sysconf(_SC_NPROCESSORS_ONLN);
	int			nthreads = Min(Max(n / FILES_PER_THREAD, 1),
							   Min(Max(cores, 1), READ_THREADS_MAX));
	int			rc;

	for (int k = 0; k < nthreads; k++)
	{
		work[k] = (ReadWork)
		{
			files, n, k, nthreads, dirfd, checksums, NULL
		};
		if (k > 0 && (rc = pthread_create(&threads[k], NULL, read_some,
										  &work[k])) != 0)
			return psprintf("could not start a thread to read the files: %s",
							strerror(rc));
	}
	read_some(&work[0]);
	for (int k = 1; k < nthreads; k++)
		pthread_join(threads[k], NULL);
	for (int k = 0; k < nthreads; k++)
		if (work[k].error)
			return work[k].error;
	return NULL;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(((const RevFile *) a)->name, ((const RevFile *) b)->name);
}

/*
 * Every .sql file of the versions directory, in name order; with headers,
 * their header fields too (loading needs none: the server reads them);
 * with checksums, the checksum of each text (what loading sends first).
 * On an error: with error, *error says it and NULL is returned; else the
 * command fails.
 */
static RevFile *
read_versions(int *n, bool headers, bool checksums, char **error)
{
	DIR		   *dir = opendir(versions_dir);
	struct dirent *de;
	RevFile    *files = NULL;
	int			cap = 0;
	char	   *message;

	*n = 0;
	if (dir == NULL)
	{
		message = psprintf("could not open the versions directory \"%s\": %m (run \"%s init\" first, or give --dir)",
						   versions_dir, progname);
		if (error == NULL)
			fail("%s", message);
		*error = message;
		return NULL;
	}
	while ((de = readdir(dir)) != NULL)
	{
		size_t		len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".sql") != 0 || de->d_name[0] == '.')
			continue;
		if (*n == cap)
		{
			cap = cap ? cap * 2 : 64;
			files = pg_realloc(files, sizeof(RevFile) * cap);
		}
		memset(&files[*n], 0, sizeof(RevFile));
		files[*n].name = pg_strdup(de->d_name);
		(*n)++;
	}
	message = read_texts(files, *n, dirfd(dir), checksums);
	closedir(dir);
	if (message && error == NULL)
		fail("%s", message);
	if (message)
	{
		*error = message;
		return NULL;
	}
	if (headers)
		for (int i = 0; i < *n; i++)
			parse_header(&files[i]);
	if (*n > 0)
		qsort(files, *n, sizeof(RevFile), name_cmp);
	return files;
}

/*
 * A deploy reads the files while it connects: a thread starts on them
 * before the connection is made (prefetch_versions), and load_files takes
 * what it read, reporting its error, if any, where loading would have.
 */
static pthread_t prefetch_thread;
static bool prefetching = false;
static RevFile *prefetched;
static int	nprefetched;
static char *prefetch_error;

static void *
prefetch_main(void *arg)
{
	prefetched = read_versions(&nprefetched, false, true, &prefetch_error);
	return NULL;
}

void
prefetch_versions(void)
{
	if (!prefetching)
		prefetching = pthread_create(&prefetch_thread, NULL, prefetch_main,
									 NULL) == 0;
}

/* The files to load, with their checksums: the prefetched ones, once. */
static RevFile *
versions_to_load(int *n)
{
	if (!prefetching)
		return read_versions(n, false, true, NULL);
	pthread_join(prefetch_thread, NULL);
	prefetching = false;
	if (prefetch_error)
		fail("%s", prefetch_error);
	*n = nprefetched;
	return prefetched;
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
 * Load every file in the current transaction (a deploy loads them all
 * every time), in two calls however many files: the server says which
 * checksums of whole texts it does not know to load as a no-op
 * (pim_migrate_unknown_files), and only those files are sent
 * (pim_migrate_load_files), in name order; the server reads their headers
 * and registers parents first.
 */
void
load_files(PGconn *conn)
{
	int			n;
	RevFile    *files = versions_to_load(&n);
	const char **sums = pg_malloc(sizeof(char *) * (n + 1));
	const char **items = pg_malloc(sizeof(char *) * (n + 1));
	const char **names = pg_malloc(sizeof(char *) * (n + 1));
	StringInfoData arrays[2];
	PGresult   *res;
	const char *p;
	int			nsend = 0;

	for (int i = 0; i < n; i++)
		sums[i] = files[i].checksum;
	initStringInfo(&arrays[0]);
	binary_text_array(&arrays[0], sums, n);
	res = run_text_arrays(conn, "SELECT pim_migrate_unknown_files($1)", 1,
						  arrays);
	/* "{3,17}": the positions of the files to send, from 1 */
	for (p = PQgetvalue(res, 0, 0); *p; p++)
		if (isdigit((unsigned char) *p))
		{
			int			i = (int) strtol(p, (char **) &p, 10) - 1;

			if (i < 0 || i >= n)
				fail("the server named file %d of %d to load", i + 1, n);
			items[nsend] = files[i].text;
			names[nsend++] = psprintf("%s/%s", versions_dir, files[i].name);
			p--;
		}
	PQclear(res);
	for (int i = 0; i < n; i++)
		pg_free((char *) sums[i]);
	pg_free(sums);
	resetStringInfo(&arrays[0]);

	if (nsend == 0)
	{
		if (verbosity > 1)
			printf("loaded %d revision files from %s, 0 new or changed\n", n,
				   versions_dir);
	}
	else
	{
		binary_text_array(&arrays[0], items, nsend);
		initStringInfo(&arrays[1]);
		binary_text_array(&arrays[1], names, nsend);
		res = run_text_arrays(conn, "SELECT pim_migrate_load_files($1, $2)", 2,
							  arrays);
		if (verbosity > 1)
			printf("loaded %d revision files from %s, %s new or changed\n", n,
				   versions_dir, PQgetvalue(res, 0, 0));
		PQclear(res);
		pfree(arrays[1].data);
	}
	pfree(arrays[0].data);
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
	RevFile    *files = read_versions(&n, true, false, NULL);
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
	RevFile    *files = read_versions(&n, true, false, NULL);
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
	RevFile    *files = read_versions(&n, true, false, NULL);
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
