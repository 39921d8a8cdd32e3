#ifndef STEATO_HELPER_THREAD_H
#define STEATO_HELPER_THREAD_H

/// One second thread per process, kept at hand to share a layer's work with the calling thread: it
/// takes part 1 while the caller does part 0. Between parts it spins briefly (a network's layers
/// follow each other within microseconds, and waking a sleeping thread per layer cost more than the
/// split gained), then sleeps until the next part is posted. One caller at a time: while it is busy,
/// or when it cannot be started, others do all their work themselves.
typedef void (*steato_part)(void *context, long part);

/// task(context, 0) here and task(context, 1) on the helper, returning 1 after both; or 0 at once,
/// with nothing run, when the helper is busy with another caller or unavailable.
int steato_helper_run(steato_part task, void *context);

#endif
