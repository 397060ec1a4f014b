// One layer's split on several threads, with the serial split's output bit for bit.
//
// Threads claim batches of consecutive regions from an atomic counter and split each into
// the batch's own output, with their own scratch, sharing the layer's W^T tables read-only.
// Once they have joined, the batches are concatenated in order: the output does not depend
// on the number of threads. A batch that stops early holds a prefix of its regions, and the
// call returns the longest prefix of regions done, as the serial split does.
#pragma once
#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <system_error>
#include <thread>
#include <vector>

#include "split.hpp"

namespace rk {

// Regions per batch: small enough to balance the threads at the end of a call and to stop
// soon after the soft time limit (a batch runs to its end), large enough that claiming and
// joining batches costs nothing measurable.
constexpr size_t kBatchRegions = 64;

// Why a batch stopped before its end: the region budget or the hard deadline.
enum BatchStop : int { BATCH_RAN = 0, BATCH_BUDGET = 1, BATCH_LATE = 2 };

// Regions [start, start + done) of a batch [start, start + size), split, and their children.
template <class Geo>
struct Batch {
  size_t start = 0, size = 0, done = 0;
  int stop = BATCH_RAN;
  size_t bound = 0;  // BATCH_BUDGET: the pieces region start + done was allowed to grow to
  Geo geo;
  Maps maps;
  std::vector<uint8_t> bits;
  std::vector<int64_t> parent;
};

inline void lower_atomic(std::atomic<size_t>& a, size_t v) {
  size_t cur = a.load(std::memory_order_relaxed);
  while (v < cur && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
  }
}

// Append a batch's children to the call's output (take them over if the output is empty).
template <class Geo>
void append_batch(Batch<Geo>& b, Geo& out, Maps& maps_out, std::vector<uint8_t>& bits_out,
                  std::vector<int64_t>& parent_out) {
  if (out.count() == 0) {
    out = std::move(b.geo);
    maps_out = std::move(b.maps);
    bits_out = std::move(b.bits);
    parent_out = std::move(b.parent);
    return;
  }
  out.append(b.geo);
  append_values(maps_out.M, b.maps.M);
  append_values(maps_out.m, b.maps.m);
  append_values(maps_out.S, b.maps.S);
  append_values(bits_out, b.bits);
  append_values(parent_out, b.parent);
}

// split_layer (csrc/split.hpp) on `workers` threads, same arguments and output. Serial for
// one worker, or when the regions fill fewer than two batches.
//
// Stopping: past `seconds`, threads claim no new batch (the first is always claimed); a
// region the budget or the hard deadline stops ends its batch and every batch after it.
// Region budget: the threads share the count of the partition being built plus the room
// they hold (SharedBudget), so the partition never exceeds max_total at any moment. A
// region may then be refused room that later regions or other threads' held room took; the
// serial split would have given it max_total minus the rest of the partition, so once the
// threads have joined it is split again on this thread with that allowance, and the call
// ends after it (the next call goes on from there). The result is then the serial one.
template <class Geo, class View = typename Geo::View>
size_t split_layer_threads(const View& in, const MapsView& maps_in, Layer L,
                           const Tolerance& tol, int64_t label_base, size_t max_total,
                           double seconds, double hard_seconds, int workers, Geo& out,
                           Maps& maps_out, std::vector<uint8_t>& bits_out,
                           std::vector<int64_t>& parent_out, bool& aborted) {
  const size_t n = in.count();
  const size_t n_batches = (n + kBatchRegions - 1) / kBatchRegions;
  if (workers <= 1 || n_batches < 2 || n > max_total)
    return split_layer(in, maps_in, L, tol, label_base, max_total, seconds, hard_seconds, out,
                       maps_out, bits_out, parent_out, aborted);
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto deadline = deadline_after(start, hard_seconds);
  LayerStorage storage;
  prepare_layer(L, storage);
  const bool bounded = max_total < kNoRegionLimit;
  SharedBudget shared;
  shared.used = n;
  shared.limit = max_total;
  std::atomic<size_t> next{0};        // first region of the next batch to claim
  std::atomic<size_t> first_stop{n};  // lowest region stopped (budget, deadline or error)
  std::vector<std::unique_ptr<Batch<Geo>>> batches(n_batches);
  std::vector<std::exception_ptr> errors(n_batches);

  auto work = [&]() {
    Hyperplanes H;
    typename Geo::Scratch scratch;
    Budget budget;
    budget.deadline = deadline;
    budget.shared = bounded ? &shared : nullptr;
    for (;;) {
      // Batches are claimed in order: once a region has stopped, every new one is past it.
      if (first_stop.load(std::memory_order_relaxed) < n) break;
      const size_t claimed = next.load(std::memory_order_relaxed);
      if (claimed >= n ||
          (claimed > 0 && std::chrono::duration<double>(clock::now() - start).count() > seconds))
        break;
      const size_t s = next.fetch_add(kBatchRegions, std::memory_order_relaxed);
      if (s >= n) break;
      const size_t k = s / kBatchRegions;
      try {
        batches[k] = std::make_unique<Batch<Geo>>();
        Batch<Geo>& b = *batches[k];
        b.start = s;
        b.size = std::min(kBatchRegions, n - s);
        b.maps.rows = L.n_out;
        b.maps.dim = maps_in.dim;
        for (; b.done < b.size && s + b.done < first_stop.load(std::memory_order_relaxed);
             ++b.done) {
          const size_t r = s + b.done, before = b.geo.count();
          budget.max_pieces = bounded ? 1 : max_total;  // the region itself is counted
          const bool ok = split_region(in, maps_in, L, tol, label_base, r, b.geo, b.maps,
                                       b.bits, b.parent, H, scratch, budget);
          if (bounded) budget.spare += budget.max_pieces - (ok ? b.geo.count() - before : 1);
          if (!ok) {
            b.stop = budget.late ? BATCH_LATE : BATCH_BUDGET;
            b.bound = budget.max_pieces;
            lower_atomic(first_stop, r);
            break;
          }
        }
      } catch (...) {
        errors[k] = std::current_exception();
        lower_atomic(first_stop, s + (batches[k] ? batches[k]->done : 0));
      }
    }
    shared.give(budget.spare);
  };

  {
    const int threads = static_cast<int>(std::min<size_t>(workers, n_batches));
    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    try {
      for (int t = 1; t < threads; ++t) pool.emplace_back(work);
    } catch (const std::system_error&) {
      // The system refused a thread: the ones running (and this one) share the work.
    }
    work();
    for (std::thread& t : pool) t.join();
  }

  aborted = false;
  maps_out.rows = L.n_out;
  maps_out.dim = maps_in.dim;
  size_t done = 0;
  for (size_t k = 0; k < n_batches; ++k) {
    if (errors[k]) std::rethrow_exception(errors[k]);
    if (!batches[k]) break;  // not claimed
    Batch<Geo>& b = *batches[k];
    append_batch(b, out, maps_out, bits_out, parent_out);
    done += b.done;
    if (b.done == b.size) {
      batches[k].reset();
      continue;
    }
    if (b.stop == BATCH_BUDGET && clock::now() <= deadline) {
      // What the serial split allows region `done`: max_total less the rest of the partition.
      const size_t allowed = max_total - (out.count() + (n - done - 1));
      if (b.bound < allowed) {
        Budget budget;
        budget.deadline = deadline;
        budget.max_pieces = allowed;
        Hyperplanes H;
        typename Geo::Scratch scratch;
        if (split_region(in, maps_in, L, tol, label_base, done, out, maps_out, bits_out,
                         parent_out, H, scratch, budget))
          return done + 1;
      }
    }
    aborted = true;
    break;
  }
  return done;
}

}  // namespace rk
