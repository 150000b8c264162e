// How a training run shows itself: a progress bar redrawn in place on a terminal, plain log
// lines anywhere else (a CI log has no terminal, and \r-redrawn bars make it unreadable).
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>

namespace atn {

enum class ProgressStyle {
  automatic,  // a bar when the stream is std::cout and stdout is a terminal, else lines
  bar,
  lines,
  none,       // print nothing, not even evaluations
};

// "1h02m", "3m05s", "42s".
std::string format_duration(double seconds);

class Progress {
 public:
  // `log_every`: with lines, one line per that many steps (and the first and last step).
  Progress(std::ostream& out, ProgressStyle style, int64_t total_steps, int64_t log_every);

  bool is_bar() const { return style_ == ProgressStyle::bar; }

  // After a step: `step` of total steps done, `steps_per_s` and `tokens_per_s` measured over
  // this run (0 when unknown).
  void step(int64_t step, double loss, double lr, double tokens_per_s, double steps_per_s);
  // A line that must stay (evaluations, saves, warnings): clears the bar first.
  void line(const std::string& text);
  // Ends the bar's line.
  void finish();

 private:
  std::ostream& out_;
  ProgressStyle style_;
  int64_t total_, log_every_;
  bool bar_drawn_ = false;
};

}  // namespace atn
