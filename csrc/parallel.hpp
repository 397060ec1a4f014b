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
#include <functional>
#include <memory>
#include <system_error>
#include <thread>
#include <type_traits>
#include <vector>

#include "split.hpp"

namespace rk {

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

// f(mine, theirs, kind) for every vector of two batches' outputs, the maps (usually the
// largest) first; kind: OffsetsColumn or ValuesColumn.
template <class Geo, class F>
void zip_batches(Batch<Geo>& a, const Batch<Geo>& b, F&& f) {
  f(a.maps.M, b.maps.M, ValuesColumn{});
  f(a.maps.m, b.maps.m, ValuesColumn{});
  f(a.maps.S, b.maps.S, ValuesColumn{});
  a.geo.zip(b.geo, f);
  f(a.bits, b.bits, ValuesColumn{});
  f(a.parent, b.parent, ValuesColumn{});
}

inline void lower_atomic(std::atomic<size_t>& a, size_t v) {
  size_t cur = a.load(std::memory_order_relaxed);
  while (v < cur && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
  }
}

// Batches of `batch` consecutive items claimed in order by threads: claim() gives the first
// item of the next batch, or n when the thread should stop: all claimed, an item stopped
// (stop(i) lowers the first stopped item; later batches are not claimed), or `seconds`
// past `start` (soft: the first batch is always claimed).
struct BatchClaims {
  using clock = std::chrono::steady_clock;
  BatchClaims(size_t n_, size_t batch_, double seconds_, clock::time_point start_)
      : n(n_), batch(batch_), seconds(seconds_), start(start_), first_stop(n_) {}
  size_t claim() {
    if (first_stop.load(std::memory_order_relaxed) < n) return n;
    const size_t claimed = next.load(std::memory_order_relaxed);
    if (claimed >= n ||
        (claimed > 0 && std::chrono::duration<double>(clock::now() - start).count() > seconds))
      return n;
    const size_t s = next.fetch_add(batch, std::memory_order_relaxed);
    return s < n ? s : n;
  }
  // Whether item i comes before every stopped item.
  bool before_stop(size_t i) const { return i < first_stop.load(std::memory_order_relaxed); }
  void stop(size_t i) { lower_atomic(first_stop, i); }
  const size_t n, batch;
  const double seconds;
  const clock::time_point start;

 private:
  std::atomic<size_t> next{0};
  std::atomic<size_t> first_stop;
};

// The complete batches in order, up to and including the first that stopped early or was
// never claimed (rethrowing the first error met): how many (`count`), the items they did,
// and why the last stopped (`stop`, `bound`; BATCH_RAN when every batch ran to its end).
template <class B>
size_t done_prefix(const std::vector<std::unique_ptr<B>>& batches,
                   const std::vector<std::exception_ptr>& errors, size_t& count, int& stop,
                   size_t& bound) {
  size_t done = 0;
  count = 0;
  stop = BATCH_RAN;
  bound = 0;
  while (count < batches.size()) {
    if (errors[count]) std::rethrow_exception(errors[count]);
    if (!batches[count]) break;  // not claimed
    const B& b = *batches[count++];
    done += b.done;
    if (b.done < b.size) {
      stop = b.stop;
      bound = b.bound;
      break;
    }
  }
  return done;
}

// Run work() on `threads` threads, this one included (fewer if the system refuses some).
// work must not throw.
template <class F>
void run_threads(int threads, F&& work) {
  std::vector<std::thread> pool;
  pool.reserve(threads > 1 ? threads - 1 : 0);
  try {
    for (int t = 1; t < threads; ++t) pool.emplace_back(std::ref(work));
  } catch (const std::system_error&) {
    // The system refused a thread: the ones running (and this one) share the work.
  }
  work();
  for (std::thread& t : pool) t.join();
}

template <class T>
void append_values(std::vector<T>& dst, const std::vector<T>& src) {
  dst.insert(dst.end(), src.begin(), src.end());
}

// CSR offsets: src's (from 0) shifted to continue from dst's last entry.
inline void append_offsets(std::vector<int64_t>& dst, const std::vector<int64_t>& src) {
  const int64_t base = dst.back();
  for (size_t k = 1; k < src.size(); ++k) dst.push_back(src[k] + base);
}

// Below this many bytes to copy, batches are joined on one thread (starting threads costs
// more than the copy).
constexpr size_t kParallelJoinBytes = size_t(1) << 20;

// Append the outputs of batches [1, count) to batch 0's, in order (Batch, or DfsBatch in
// csrc/dfs.hpp: zip_batches lists their vectors). Each vector is grown once to its total size
// (growing it batch by batch would copy it, and fault its fresh pages in, several times
// over), then filled by one thread, batch after batch; up to `workers` threads fill
// different vectors, the largest first.
template <class B>
void join_batches(std::vector<std::unique_ptr<B>>& batches, size_t count, int workers) {
  if (count < 2) return;
  B& out = *batches[0];
  std::vector<size_t> extra, bytes;  // per vector, the entries and bytes the others add
  for (size_t k = 1; k < count; ++k) {
    size_t i = 0;
    zip_batches(out, *batches[k], [&](const auto&, const auto& theirs, auto kind) {
      if (extra.size() <= i) {
        extra.push_back(0);
        bytes.push_back(0);
      }
      const size_t add = theirs.size() - std::is_same_v<decltype(kind), OffsetsColumn>;
      extra[i] += add;
      bytes[i++] += add * sizeof(theirs[0]);
    });
  }
  size_t i = 0, total = 0;
  zip_batches(out, out, [&](auto& mine, const auto&, auto) {
    total += bytes[i];
    mine.reserve(mine.size() + extra[i++]);
  });
  std::vector<size_t> order(extra.size());
  for (size_t c = 0; c < order.size(); ++c) order[c] = c;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return bytes[a] > bytes[b]; });
  std::atomic<size_t> next{0};
  // Appending within the reserved capacity allocates nothing: no exception.
  auto work = [&]() {
    for (size_t j; (j = next.fetch_add(1, std::memory_order_relaxed)) < order.size();) {
      for (size_t k = 1; k < count; ++k) {
        size_t c = 0;
        zip_batches(out, *batches[k], [&](auto& mine, const auto& theirs, auto kind) {
          if (c++ != order[j]) return;
          if constexpr (std::is_same_v<decltype(kind), OffsetsColumn>)
            append_offsets(mine, theirs);
          else
            append_values(mine, theirs);
        });
      }
    }
  };
  run_threads(total < kParallelJoinBytes ? 1 : std::min<int>(workers, order.size()), work);
  for (size_t k = 1; k < count; ++k) batches[k].reset();
}

// split_layer (csrc/split.hpp) on `workers` threads claiming `batch` regions at a time,
// same arguments and output. Serial for one worker, or when the regions fill fewer than two
// batches.
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
                           double seconds, double hard_seconds, int workers, size_t batch,
                           Geo& out,
                           Maps& maps_out, std::vector<uint8_t>& bits_out,
                           std::vector<int64_t>& parent_out, bool& aborted,
                           bool parent_maps = false) {
  const size_t n = in.count();
  const size_t n_batches = batch ? (n + batch - 1) / batch : 0;
  if (workers <= 1 || n_batches < 2 || n > max_total)
    return split_layer(in, maps_in, L, tol, label_base, max_total, seconds, hard_seconds, out,
                       maps_out, bits_out, parent_out, aborted, parent_maps);
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto deadline = deadline_after(start, hard_seconds);
  LayerStorage storage;
  prepare_layer(L, storage);
  const bool bounded = max_total < kNoRegionLimit;
  SharedBudget shared;
  shared.used = n;
  shared.limit = max_total;
  BatchClaims claims(n, batch, seconds, start);
  std::vector<std::unique_ptr<Batch<Geo>>> batches(n_batches);
  std::vector<std::exception_ptr> errors(n_batches);

  auto work = [&]() {
    Hyperplanes H;
    typename Geo::Scratch scratch;
    Budget budget;
    budget.deadline = deadline;
    budget.shared = bounded ? &shared : nullptr;
    std::vector<size_t> hint;
    // Batches are claimed in order: once a region has stopped, every new one is past it.
    for (size_t s; (s = claims.claim()) < n;) {
      const size_t k = s / batch;
      try {
        batches[k] = std::make_unique<Batch<Geo>>();
        Batch<Geo>& b = *batches[k];
        b.start = s;
        b.size = std::min(batch, n - s);
        b.maps.rows = L.n_out;
        b.maps.dim = maps_in.dim;
        size_t i = 0;  // reserve for what the previous batch held, and a quarter more
        zip_batches(b, b, [&](auto& v, const auto&, auto) {
          if (i < hint.size()) v.reserve(hint[i] + hint[i] / 4);
          ++i;
        });
        for (; b.done < b.size && claims.before_stop(s + b.done); ++b.done) {
          const size_t r = s + b.done, before = b.geo.count();
          budget.max_pieces = bounded ? 1 : max_total;  // the region itself is counted
          const bool ok = split_region(in, maps_in, L, tol, label_base, r, b.geo, b.maps,
                                       b.bits, b.parent, H, scratch, budget, parent_maps);
          if (bounded) budget.spare += budget.max_pieces - (ok ? b.geo.count() - before : 1);
          if (!ok) {
            b.stop = budget.late ? BATCH_LATE : BATCH_BUDGET;
            b.bound = budget.max_pieces;
            claims.stop(r);
            break;
          }
        }
        hint.clear();
        zip_batches(b, b, [&](auto& v, const auto&, auto) { hint.push_back(v.size()); });
      } catch (...) {
        errors[k] = std::current_exception();
        claims.stop(s + (batches[k] ? batches[k]->done : 0));
      }
    }
    shared.give(budget.spare);
  };

  run_threads(static_cast<int>(std::min<size_t>(workers, n_batches)), work);

  // Join every complete batch up to the first that is not (it stopped early), if any.
  size_t count = 0, bound = 0;
  int stop = BATCH_RAN;
  const size_t done = done_prefix(batches, errors, count, stop, bound);
  join_batches(batches, count, workers);
  out = std::move(batches[0]->geo);
  maps_out = std::move(batches[0]->maps);
  bits_out = std::move(batches[0]->bits);
  parent_out = std::move(batches[0]->parent);
  batches[0].reset();
  aborted = false;
  if (done == n) return done;
  if (stop == BATCH_BUDGET && clock::now() <= deadline) {
    // What the serial split allows region `done`: max_total less the rest of the partition.
    const size_t allowed = max_total - (out.count() + (n - done - 1));
    if (bound < allowed) {
      Budget budget;
      budget.deadline = deadline;
      budget.max_pieces = allowed;
      Hyperplanes H;
      typename Geo::Scratch scratch;
      if (split_region(in, maps_in, L, tol, label_base, done, out, maps_out, bits_out,
                       parent_out, H, scratch, budget, parent_maps))
        return done + 1;
    }
  }
  aborted = stop != BATCH_RAN;
  return done;
}

}  // namespace rk
