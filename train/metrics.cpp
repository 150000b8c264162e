#include "train/metrics.h"

#include <fstream>
#include <sstream>

#include "tensor/error.h"
#include "viz/svg.h"

namespace atn {

namespace {
const char* kHeader = "step,train_loss,val_loss,lr,grad_norm,tokens_per_s";

// Enough digits that a float read back is the same float.
std::string number(double v) {
  std::ostringstream os;
  os.precision(9);
  os << v;
  return os.str();
}
}  // namespace

void write_metrics_csv(const std::string& path, const std::vector<MetricRow>& rows) {
  std::string text = std::string(kHeader) + "\n";
  for (const MetricRow& r : rows) {
    text += std::to_string(r.step) + "," + number(r.train_loss) + "," + (r.val_loss >= 0 ? number(r.val_loss) : "") +
            "," + number(r.lr) + "," + number(r.grad_norm) + "," + number(r.tokens_per_s) + "\n";
  }
  svg::write_file_atomically(path, text);
}

std::vector<MetricRow> read_metrics_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail("read_metrics_csv: cannot open '", path, "'");
  std::string line;
  if (!std::getline(in, line) || line != kHeader)
    fail("read_metrics_csv: '", path, "' line 1: expected the header '", kHeader, "'");
  std::vector<MetricRow> rows;
  for (int64_t line_no = 2; std::getline(in, line); ++line_no) {
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.push_back("");
    if (cells.size() != 6) fail("read_metrics_csv: '", path, "' line ", line_no, ": expected 6 columns, got ", cells.size());
    try {
      MetricRow r;
      r.step = std::stoll(cells[0]);
      r.train_loss = real(std::stod(cells[1]));
      r.val_loss = cells[2].empty() ? -1 : real(std::stod(cells[2]));
      r.lr = real(std::stod(cells[3]));
      r.grad_norm = real(std::stod(cells[4]));
      r.tokens_per_s = std::stod(cells[5]);
      rows.push_back(r);
    } catch (const std::exception&) {
      fail("read_metrics_csv: '", path, "' line ", line_no, ": not a number in '", line, "'");
    }
  }
  return rows;
}

void plot_loss_curve(const std::string& path, const std::vector<MetricRow>& rows, const std::string& title) {
  svg::Series train{.name = "train"}, val{.name = "validation", .mark = svg::Mark::points};
  for (const MetricRow& r : rows) {
    train.x.push_back(real(r.step));
    train.y.push_back(r.train_loss);
    if (r.val_loss >= 0) {
      val.x.push_back(real(r.step));
      val.y.push_back(r.val_loss);
    }
  }
  svg::Plot plot{.title = title, .x_label = "step", .y_label = "loss", .series = {train}, .log_y = true};
  if (!val.y.empty()) plot.series.push_back(val);
  svg::plot(path, plot);
}

}  // namespace atn
