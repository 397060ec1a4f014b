"""Race check of the threaded core, run by .ci/run against a ThreadSanitizer build.

Not a pytest module: .ci/run builds the core with -fsanitize=thread in a copy of the checkout
and runs this script with libtsan preloaded (TSAN_OPTIONS=halt_on_error=1, so any race report
fails CI). Small batches and an early depth-first phase put every threaded path (layer
batches, depth-first roots, the region budget's shared counter, the serial retry) to work
on 2 and 4 threads; the results must equal the serial ones.
"""
import numpy as np

import regionkit as rk
from regionkit.constructions import torch_default
from regionkit.regions import engine

engine.DFS_MIN_ROOTS = 8
engine.DFS_BATCH_ROOTS = 1
engine.BATCH_REGIONS = 2
for arch in ([2, 24, 24, 24, 1], [3, 10, 10, 10, 1], [6, 6, 6, 1]):
    net = torch_default(arch, seed=0)
    dom = rk.Box(-1, 1, dim=arch[0])
    serial = rk.enumerate_regions(net, dom, workers=1)
    capped = rk.enumerate_regions(net, dom, workers=1, max_regions=serial.n_regions // 2)
    for workers in (2, 4):
        threaded = rk.enumerate_regions(net, dom, workers=workers)
        assert np.array_equal(serial.patterns, threaded.patterns)
        stopped = rk.enumerate_regions(net, dom, workers=workers,
                                       max_regions=serial.n_regions // 2)
        assert np.array_equal(capped.patterns, stopped.patterns)
    print("-".join(map(str, arch)), serial.n_regions, "regions: no race reported")
