package io.sensorgw.api;

/**
 * A snapshot of a managed executor's statistics.
 *
 * @param name the executor's name; its threads are named {@code sensorgw-<name>-<n>}
 * @param threads maximum number of threads
 * @param active tasks running now
 * @param queued tasks waiting in the queue
 * @param queueCapacity bound of the queue
 * @param completed tasks finished (successfully or not) since start
 * @param failed tasks that ended with an exception
 * @param rejected tasks refused because the queue was full or the executor closed
 * @param meanLatencyMillis mean time from submission to completion
 * @param maxLatencyMillis longest time from submission to completion
 */
public record ExecutorStats(
    String name,
    int threads,
    int active,
    int queued,
    int queueCapacity,
    long completed,
    long failed,
    long rejected,
    double meanLatencyMillis,
    double maxLatencyMillis) {}
