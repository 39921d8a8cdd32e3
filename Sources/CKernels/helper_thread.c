#include "helper_thread.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define SPIN_PAUSE() _mm_pause()
#else
#define SPIN_PAUSE() ((void)0)
#endif

/// How long the helper spins for the next part before it sleeps.
#define SPIN_NANOSECONDS 200000L

static struct {
    pthread_once_t once;
    int started;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_int busy;       /* a caller holds the helper */
    atomic_long posted;    /* parts handed over so far */
    atomic_long finished;  /* parts the helper has done */
    /* Written before `posted` is raised (release) and read after it is seen (acquire). */
    steato_part task;
    void *context;
} helper = {.once = PTHREAD_ONCE_INIT, .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static long now_nanoseconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void *helper_main(void *unused) {
    (void)unused;
    long done = 0;
    for (;;) {
        long start = now_nanoseconds();
        for (int spins = 1; atomic_load_explicit(&helper.posted, memory_order_acquire) == done; spins++) {
            SPIN_PAUSE();
            if (spins % 256 != 0 || now_nanoseconds() - start < SPIN_NANOSECONDS) continue;
            pthread_mutex_lock(&helper.lock);
            while (atomic_load_explicit(&helper.posted, memory_order_acquire) == done) pthread_cond_wait(&helper.wake, &helper.lock);
            pthread_mutex_unlock(&helper.lock);
        }
        helper.task(helper.context, 1);
        done += 1;
        atomic_store_explicit(&helper.finished, done, memory_order_release);
    }
    return NULL;
}

static void start_helper(void) {
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);   /* lives as long as the process */
    helper.started = pthread_create(&helper.thread, &attributes, helper_main, NULL) == 0;
    pthread_attr_destroy(&attributes);
}

int steato_helper_run(steato_part task, void *context) {
    pthread_once(&helper.once, start_helper);
    int idle = 0;
    if (!helper.started || !atomic_compare_exchange_strong(&helper.busy, &idle, 1)) return 0;
    helper.task = task;
    helper.context = context;
    long part = atomic_load_explicit(&helper.posted, memory_order_relaxed) + 1;
    pthread_mutex_lock(&helper.lock);   /* a helper about to sleep either sees the new part or gets the signal */
    atomic_store_explicit(&helper.posted, part, memory_order_release);
    pthread_cond_signal(&helper.wake);
    pthread_mutex_unlock(&helper.lock);
    task(context, 0);
    // Spin for the helper's part; yield once that takes long, in case the helper is waiting for a core.
    for (long spins = 0; atomic_load_explicit(&helper.finished, memory_order_acquire) < part; spins++) {
        if (spins < 100000) SPIN_PAUSE();
        else sched_yield();
    }
    atomic_store(&helper.busy, 0);
    return 1;
}
