/* Staged output folders: a run writes its results into a fresh folder beside the destination
 * and, only when the whole run has succeeded, swaps it in with one rename. An interrupted or
 * failed run leaves the destination as it was; a folder left by a killed run is removed by the
 * next run that stages beside it. */
#ifndef ZR_CORE_STAGE_H
#define ZR_CORE_STAGE_H

#include <stddef.h>
#include "zrzy.h"

typedef struct zr_stage {
    char dir[1024];  /* the destination folder, without trailing slashes */
    char path[1400]; /* the stage: PARENT/.NAME.zrzy-stage-PID-SEQ; outputs go here */
} zr_stage;

/* Create the stage for results folder dir (dir itself need not exist). Stages of processes
 * that no longer run are removed first. */
zr_status zr_stage_begin(zr_stage *st, const char *dir, char *err, size_t n);

/* st->path/name into buf (returns buf). */
const char *zr_stage_file(const zr_stage *st, const char *name, char *buf, size_t n);

/* Publish: the stage replaces dir in one rename (an atomic exchange where the file system has
 * one). Regular files in the old dir whose names are not in ours (NULL-terminated: every name
 * this kind of run may write) are carried over by hard link before the swap, the user's folders
 * moved into the new one after it; the old folder is then removed (or, when a folder of the
 * user's could not be moved, kept as DIR.zrzy-kept-PID: nothing of the user's is deleted).
 * On failure dir is as it was and the stage is removed. */
zr_status zr_stage_publish(zr_stage *st, const char *const *ours, char *err, size_t n);

/* Remove the stage and everything in it (after a failure or a cancellation). */
void zr_stage_abort(zr_stage *st);

/* Remove a folder tree; 0 on success. */
int zr_remove_tree(const char *path);

#endif
