// The record of a training run: one row per step, written as CSV (for a spreadsheet or
// pandas) and drawn as a loss curve (SVG, viz/svg.h).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tensor/shape.h"  // real

namespace atn {

struct MetricRow {
  int64_t step = 0;        // optimizer steps done, counting this one
  real train_loss = 0;     // mean over this step's micro-batches
  real val_loss = -1;      // estimated at evaluation steps; negative: not evaluated at this step
  real lr = 0;             // the learning rate this step used
  real grad_norm = 0;      // before clipping
  double tokens_per_s = 0; // throughput of this step (0 when unknown)
};

// Columns: step,train_loss,val_loss,lr,grad_norm,tokens_per_s (val_loss empty when absent).
// Written atomically.
void write_metrics_csv(const std::string& path, const std::vector<MetricRow>& rows);
// Reads what write_metrics_csv wrote; atn::Error naming the file and line when it is not that.
std::vector<MetricRow> read_metrics_csv(const std::string& path);

// Train loss per step (a line) and validation loss (points at the evaluation steps), log scale.
void plot_loss_curve(const std::string& path, const std::vector<MetricRow>& rows, const std::string& title = "loss");

}  // namespace atn
