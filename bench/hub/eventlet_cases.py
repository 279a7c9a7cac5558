# The hub suite's cases on Python eventlet (chapter 8), the library our hub is modelled on: the same workloads as
# bench/hub/*-cases.ts, one measurement per process, printing {"value": ...} as the last line like bench/lib/child.ts.
# Usage: /usr/bin/python3 bench/hub/eventlet_cases.py <case id> <n>
import gc
import json
import sys
import time
import tracemalloc

import eventlet
import eventlet.event
import eventlet.queue


def timer_delay_s(i):
    # Same spread as timerDelayMs in bench/hub/shape.ts: 1 to 10 ms.
    return (1 + (i * 7919) % 10) / 1000.0


# Time cases divide the CPU time of the process (user + system), as bench/lib/measure.ts does on the Node side.


def check(ok, what):
    if not ok:
        raise SystemExit("benchmark check failed: " + what)


def spawn_join(n):
    def child(i):
        return i

    start = time.process_time_ns()
    threads = [eventlet.spawn(child, i) for i in range(n)]
    total = 0
    for t in threads:
        total += t.wait()
    ns = time.process_time_ns() - start
    check(total == n * (n - 1) // 2, "every child joined")
    return ns / n


def switch_sleep(n):
    turns = [0]

    def player():
        for _ in range(n // 2):
            turns[0] += 1
            eventlet.sleep(0)

    start = time.process_time_ns()
    a = eventlet.spawn(player)
    b = eventlet.spawn(player)
    a.wait()
    b.wait()
    ns = time.process_time_ns() - start
    check(turns[0] == n, "every turn taken")
    return ns / n


def switch_queue(n):
    # eventlet.Queue, as the hub's Queue: both count unfinished tasks on put (the hub suite README says why).
    there = eventlet.queue.Queue()
    back = eventlet.queue.Queue()
    last = [-1]

    def ping():
        for i in range(n // 2):
            there.put(i)
            last[0] = back.get()

    def pong():
        for _ in range(n // 2):
            back.put(there.get())

    start = time.process_time_ns()
    a = eventlet.spawn(ping)
    b = eventlet.spawn(pong)
    a.wait()
    b.wait()
    ns = time.process_time_ns() - start
    check(last[0] == n // 2 - 1, "every item came back")
    return ns / n


def idle_memory(n):
    # tracemalloc counts the live bytes Python and greenlet allocate (greenlet keeps a parked thread's stack slice
    # in PyMem memory), the counterpart of V8's heapUsed after a full collection on the Node side.
    event = eventlet.event.Event()
    parked = [0]
    woke = [0]

    def idle():
        parked[0] += 1
        event.wait()
        woke[0] += 1

    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    threads = [eventlet.spawn(idle) for _ in range(n)]
    while parked[0] < n:
        eventlet.sleep(0)
    gc.collect()
    per_thread = (tracemalloc.get_traced_memory()[0] - before) / n
    tracemalloc.stop()
    event.send()
    for t in threads:
        t.wait()
    check(woke[0] == n, "every thread woke")
    return per_thread


def timers(n):
    fired = [0]

    def sleeper(i):
        eventlet.sleep(timer_delay_s(i))
        fired[0] += 1

    start = time.process_time_ns()
    threads = [eventlet.spawn(sleeper, i) for i in range(n)]
    for t in threads:
        t.wait()
    ns = time.process_time_ns() - start
    check(fired[0] == n, "every timer fired")
    return ns / n


CASES = {
    "spawn-join": spawn_join,
    "switch-sleep": switch_sleep,
    "switch-queue": switch_queue,
    "idle-memory": idle_memory,
    "timers": timers,
}

if __name__ == "__main__":
    case, n = sys.argv[1], int(sys.argv[2])
    measure = CASES[case]
    measure(max(1, n // 10))  # warm-up, as bench/lib/child.ts does
    gc.collect()
    print(json.dumps({"value": measure(n)}))
