#include "tensor/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tensor/error.h"

namespace atn {

// One rule: decimal digits only (no sign, no spaces), a value from 1 to 4096.
int parse_thread_count(const std::string& text) {
  const bool digits = !text.empty() && text.size() <= 4 &&
                      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  const int n = digits ? std::stoi(text) : 0;
  if (n < 1 || n > 4096) fail("ATN_THREADS must be a whole number from 1 to 4096, got '", text, "'");
  return n;
}

namespace {

// How long an idle thread keeps checking for new work before it sleeps (see Pool::spin_until).
constexpr std::chrono::microseconds kSpinTime{200};

// True on pool workers, and on a caller while it runs chunks of its own parallel_for. A
// parallel_for started there runs inline: the workers are busy with the outer call, and waiting
// for them would deadlock.
thread_local bool t_inside_task = false;

struct InsideTask {
  bool saved = t_inside_task;
  InsideTask() { t_inside_task = true; }
  ~InsideTask() { t_inside_task = saved; }
};

// One parallel_for call. Threads claim chunk numbers from `next` until they run out, so a fast
// thread simply takes more chunks (no thread waits on a fixed share).
struct Job {
  const std::function<void(int64_t, int64_t)>* fn;
  int64_t n, grain, chunks;
  std::atomic<int64_t> next{0};      // next chunk to claim
  std::atomic<int64_t> done{0};      // chunks finished, or skipped after an error
  std::atomic<bool> failed{false};   // a task threw: skip the rest
  std::exception_ptr error;          // the first exception; guarded by Pool::mutex_
};

int threads_from_env() {
  const char* env = std::getenv("ATN_THREADS");
  if (env == nullptr || *env == '\0') return std::max(1, int(std::thread::hardware_concurrency()));
  return parse_thread_count(env);
}

class Pool {
 public:
  ~Pool() { stop_workers(); }

  int size() {
    std::call_once(env_read_, [this] { threads_ = threads_from_env(); });
    return threads_;
  }

  void resize(int n) {
    if (n < 1) fail("set_num_threads: need at least 1 thread, got ", n);
    if (t_inside_task) fail("set_num_threads: cannot be called from inside a parallel_for task");
    std::call_once(env_read_, [] {});  // an explicit count wins over ATN_THREADS
    const std::lock_guard<std::mutex> busy(dispatch_);
    threads_ = n;  // workers are restarted lazily by the next run()
  }

  void run(int64_t n, const std::function<void(int64_t, int64_t)>& fn, int64_t grain) {
    if (grain < 1) fail("parallel_for: grain must be at least 1, got ", grain);
    if (n <= 0) return;
    const int64_t chunks = (n - 1) / grain + 1;
    auto run_inline = [&] {
      for (int64_t c = 0; c < chunks; ++c) fn(c * grain, std::min(n, (c + 1) * grain));
    };
    if (chunks == 1 || t_inside_task || size() == 1) return run_inline();
    // Another thread of the program is using the workers: do not queue behind it.
    std::unique_lock<std::mutex> busy(dispatch_, std::try_to_lock);
    if (!busy.owns_lock()) return run_inline();

    if (int(workers_.size()) != threads_ - 1) {
      stop_workers();
      start_workers(threads_ - 1);
    }
    auto job = std::make_shared<Job>();
    job->fn = &fn;
    job->n = n;
    job->grain = grain;
    job->chunks = chunks;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      job_ = job;
      generation_.fetch_add(1);
    }
    wake_.notify_all();  // cheap when every worker is still spinning (no one waits on it)
    {
      const InsideTask inside;
      work_on(*job);
    }
    if (!spin_until([&] { return job->done.load() == job->chunks; })) {
      std::unique_lock<std::mutex> lock(mutex_);
      finished_.wait(lock, [&] { return job->done.load() == job->chunks; });
    }
    const std::lock_guard<std::mutex> lock(mutex_);
    job_.reset();
    // Every chunk is done; a late worker may still hold `job`, but it will find no chunk left
    // to claim and never touch fn again.
    if (job->error) std::rethrow_exception(job->error);
  }

 private:
  void start_workers(int count) {
    uint64_t generation;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      generation = generation_.load();
    }
    for (int i = 0; i < count; ++i) workers_.emplace_back([this, generation] { worker_loop(generation); });
  }

  void stop_workers() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
    const std::lock_guard<std::mutex> lock(mutex_);
    stop_ = false;
  }

  // Waits up to kSpinTime for ready(), yielding the core between checks; returns ready(). A
  // training step calls parallel_for a few hundred times, back to back: a worker that went to
  // sleep after each job needed a futex wake-up (tens of microseconds on a VM) before it could help
  // with the next one, so short jobs ran mostly on the caller alone (bench_gpt's small step on
  // 2 threads; docs/PERFORMANCE.md, third round). Yielding rather than spinning on PAUSE gives
  // the core to any other runnable thread, so a busy machine is not slowed down; a longer wait (the caller doing serial work, the program idle) ends on
  // the condition variable as before.
  template <class Ready>
  static bool spin_until(const Ready& ready) {
    const auto until = std::chrono::steady_clock::now() + kSpinTime;
    while (!ready()) {
      if (std::chrono::steady_clock::now() > until) return ready();
      std::this_thread::yield();
    }
    return true;
  }

  void worker_loop(uint64_t seen) {
    t_inside_task = true;
    for (;;) {
      std::shared_ptr<Job> job;
      spin_until([&] { return generation_.load() != seen || stop_.load(); });
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_.load() || generation_.load() != seen; });
        if (stop_) return;
        seen = generation_.load();
        job = job_;
      }
      if (job) work_on(*job);
    }
  }

  void work_on(Job& job) {
    for (;;) {
      const int64_t c = job.next.fetch_add(1);
      if (c >= job.chunks) return;
      if (!job.failed.load()) {
        try {
          (*job.fn)(c * job.grain, std::min(job.n, (c + 1) * job.grain));
        } catch (...) {
          const std::lock_guard<std::mutex> lock(mutex_);
          if (!job.error) job.error = std::current_exception();
          job.failed = true;
        }
      }
      if (job.done.fetch_add(1) + 1 == job.chunks) {
        // Taking the lock orders this notify after the caller's check of `done`, so the wake-up
        // cannot be lost.
        const std::lock_guard<std::mutex> lock(mutex_);
        finished_.notify_all();
      }
    }
  }

  std::once_flag env_read_;
  std::atomic<int> threads_{1};
  std::mutex dispatch_;               // held by the one parallel_for using the workers, and by resize
  std::mutex mutex_;                  // guards job_, generation_, stop_ and Job::error
  std::condition_variable wake_;      // workers wait here for a new job
  std::condition_variable finished_;  // the caller waits here for the last chunk
  std::shared_ptr<Job> job_;
  std::atomic<uint64_t> generation_{0};  // written under mutex_, read by spinning workers without it
  std::atomic<bool> stop_{false};
  std::vector<std::thread> workers_;
};

// Built on first use; its destructor (at exit) stops and joins the workers.
Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

int num_threads() { return pool().size(); }

bool inside_parallel_task() { return t_inside_task; }

void set_num_threads(int n) { pool().resize(n); }

void parallel_for(int64_t n_tasks, const std::function<void(int64_t, int64_t)>& fn, int64_t grain) {
  pool().run(n_tasks, fn, grain);
}

}  // namespace atn
