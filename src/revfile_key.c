/*-------------------------------------------------------------------------
 *
 * revfile_key.c
 *	  The header keys of a revision file and how they are spelled: the one
 *	  rule that the server's parser (revision_file.c) and the command's
 *	  (bin/revision_files.c, which reads headers without a database) share.
 *
 * Built into the extension and, with FRONTEND defined, into the command,
 * as PostgreSQL's src/common files are.
 *
 * src/revfile_key.c
 *
 *-------------------------------------------------------------------------
 */
#ifndef FRONTEND
#include "postgres.h"
#else
#include "postgres_fe.h"
#endif

#include "revfile_key.h"

/*
 * pm_revfile_header_key
 *		The canonical spelling of a header key (case-insensitive, inner
 *		white space as one space), or NULL if it is not one.
 */
const char *
pm_revfile_header_key(const char *text, int len)
{
	static const char *const keys[] = {
		"Revision ID", "Revises", "Branch Labels", "Depends On",
		"Create Date", "Transactional", "Checkpoint"
	};

	for (int k = 0; k < (int) lengthof(keys); k++)
	{
		const char *want = keys[k];
		int			i = 0;

		while (i < len && isspace((unsigned char) text[i]))
			i++;
		while (*want && i < len)
		{
			if (*want == ' ')
			{
				if (!isspace((unsigned char) text[i]))
					break;
				while (i < len && isspace((unsigned char) text[i]))
					i++;
				want++;
			}
			else if (pg_tolower((unsigned char) text[i]) ==
					 pg_tolower((unsigned char) *want))
				i++, want++;
			else
				break;
		}
		while (i < len && isspace((unsigned char) text[i]))
			i++;
		if (*want == '\0' && i == len)
			return keys[k];
	}
	return NULL;
}
