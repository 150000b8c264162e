#include "train/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace atn {

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || std::isinf(seconds)) return "?";
  const int64_t s = int64_t(std::llround(seconds));
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
  else std::snprintf(buf, sizeof buf, "%llds", (long long)s);
  return buf;
}

Progress::Progress(std::ostream& out, ProgressStyle style, int64_t total_steps, int64_t log_every)
    : out_(out), style_(style), total_(total_steps), log_every_(log_every < 1 ? 1 : log_every) {
  if (style_ == ProgressStyle::automatic)
    style_ = (&out == &std::cout && isatty(STDOUT_FILENO)) ? ProgressStyle::bar : ProgressStyle::lines;
}

void Progress::step(int64_t step, double loss, double lr, double tokens_per_s, double steps_per_s) {
  if (style_ == ProgressStyle::none) return;
  const double eta = steps_per_s > 0 ? double(total_ - step) / steps_per_s : -1;
  char stats[160];
  std::snprintf(stats, sizeof stats, "loss %.4f  lr %.2e  %s tok/s  ETA %s", loss, lr,
                tokens_per_s > 0 ? std::to_string(int64_t(tokens_per_s)).c_str() : "?",
                eta >= 0 ? format_duration(eta).c_str() : "?");
  if (style_ == ProgressStyle::bar) {
    const int width = 24;
    const int filled = total_ > 0 ? int(width * step / total_) : width;
    std::string bar(size_t(filled), '=');
    if (filled < width) bar += '>' + std::string(size_t(width - filled - 1), ' ');
    out_ << "\r[" << bar << "] " << step << "/" << total_ << "  " << stats << "\x1b[K" << std::flush;
    bar_drawn_ = true;
  } else if (step == 1 || step == total_ || step % log_every_ == 0) {
    out_ << "step " << step << "/" << total_ << "  " << stats << "\n" << std::flush;
  }
}

void Progress::line(const std::string& text) {
  if (style_ == ProgressStyle::none) return;
  if (bar_drawn_) out_ << "\r\x1b[K";
  bar_drawn_ = false;
  out_ << text << "\n" << std::flush;
}

void Progress::finish() {
  if (bar_drawn_) out_ << "\n" << std::flush;
  bar_drawn_ = false;
}

}  // namespace atn
