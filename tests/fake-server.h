/* SPDX-License-Identifier: GPL-3.0-or-later */
/* An OpenAI-compatible server inside the test process, for runs that must
 * be fast and exactly repeatable: it streams scripted tokens, counts the
 * streams open at once, and can hold them, drop them or fail them. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef enum
{
  FAKE_END_FINISH,  /* a finish reason, usage, [DONE] */
  FAKE_END_DROP,    /* the connection closes after the last token */
  FAKE_END_HANG,    /* nothing more until the client goes away */
  FAKE_END_STATUS,  /* no stream: an HTTP error status with a JSON body */
} FakeEnd;

/* One request as the server read it. */
typedef struct
{
  guint      serial;        /* 0 for the first request */
  char      *path;
  char      *model;
  char      *prompt;        /* completions */
  char      *system;        /* chat: the system message, if any */
  char      *user;          /* chat: the last user message */
  char      *prefill;       /* chat: a final assistant message to continue */
  gint64     seed;          /* -1 when absent */
  gint64     max_tokens;    /* -1 when absent */
  GStrv      stop;
  char      *authorization; /* the header, if any */
} FakeRequest;

/* What to send back; the script fills it in. */
typedef struct
{
  GPtrArray  *tokens;          /* of char *: one event each */
  FakeEnd     end;
  const char *finish_reason;   /* "length" unless set */
  guint       status;          /* for FAKE_END_STATUS */
  /* chat: tokens before a "</think>" token go out as reasoning_content */
  gboolean    split_reasoning;
} FakeReply;

typedef void (*FakeScriptFunc) (const FakeRequest *request,
                                FakeReply         *reply,
                                gpointer           user_data);

typedef struct
{
  SoupServer     *server;
  char           *url;           /* the base URL, ending in /v1 */
  GPtrArray      *requests;      /* of FakeRequest *, in arrival order */
  GPtrArray      *streams;       /* open ones */
  guint           max_open;      /* most streams open at once */
  guint           n_aborted;     /* streams the client left before their end */
  guint           n_finished;    /* streams that ended as scripted */
  /* Hold every stream after its first token until this many are open (or
   * until @gate_timeout ms pass with no new stream, so a tail shorter than
   * the gate still ends). 0: no gate. */
  guint           gate;
  guint           gate_timeout;
  /* Between tokens, ms; 0 sends them as fast as the main loop turns. */
  guint           interval;
  /* When set, shared with other servers: streams open on all of them. */
  guint          *total_open;
  guint          *total_max;
  FakeScriptFunc  script;
  gpointer        script_data;
  GSource        *gate_source;
} FakeServer;

FakeServer *fake_server_new               (void);
void        fake_server_free              (FakeServer  *server);
/* The default script: max_tokens tokens (8 without one), "s<seed>t<i> ". */
void        fake_reply_add_default_tokens (FakeReply         *reply,
                                           const FakeRequest *request);
void        fake_reply_add_tokens         (FakeReply         *reply,
                                           const char        *first,
                                           ...) G_GNUC_NULL_TERMINATED;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeServer, fake_server_free)

G_END_DECLS
