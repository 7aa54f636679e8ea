/*-------------------------------------------------------------------------
 *
 * revfile_key.h
 *	  The header keys of a revision file (revfile_key.c), for the server
 *	  and the command alike.
 *
 * src/revfile_key.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_REVFILE_KEY_H
#define PM_REVFILE_KEY_H

extern const char *pm_revfile_header_key(const char *text, int len);

#endif							/* PM_REVFILE_KEY_H */
