/* SPDX-License-Identifier: MIT */
/*
 * timeline.h: messages.svg and messages.html (a Lamport diagram of who
 * sent what to whom) from a Maelstrom run's message journal.
 */
#ifndef FL_MAELSTROM_TIMELINE_H
#define FL_MAELSTROM_TIMELINE_H

struct fl_err;

/** Render journal (messages.jsonl) into dir/messages.svg and .html. */
int fl_mael_timeline_write(const char *journal, const char *dir,
                           struct fl_err *err);

#endif
