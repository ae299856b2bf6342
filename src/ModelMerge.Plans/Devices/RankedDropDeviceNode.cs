using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;
using ModelMerge.Compute.Gpu;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// DELLA's drop (<c>RankedDrop</c>): each row ranked by magnitude on the device, each element
/// drawn from the CPU's counter generator against its rank's keep probability, then rescaled.
/// A piece is computed from the whole slabs of rows it touches, read from the grid chunk where
/// they begin, so its ranks are those of the whole tensor.
/// </summary>
internal sealed class RankedDropDeviceNode(DeviceNode taskVector, long[] shape, double density, double epsilon, ulong seed, int modelIndex, Rescale rescale)
    : DeviceNode
{
    private readonly RowLayout _rows = RankedDrop.Rows(shape);

    public override long Length => taskVector.Length;

    private DeviceNode TaskVector => taskVector;

    /// <summary>The task vector read around a piece, its drop, and the sort keys (two floats' worth per padded slot).</summary>
    public override double ScratchBuffers => 2 + taskVector.ScratchBuffers + 2.0 * GpuKernels.SortKeysPerSlab(_rows) / Math.Max(1, _rows.SlabLength);

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        if (density >= 1 || Length == 0) return taskVector.TryEvaluate(run, start, destination);
        // A shape that does not hold the tensor, ε out of range, a NaN density, a slab too large
        // to sort: the CPU refuses the first three with its own messages and computes the last.
        if (_rows.Length != Length || GpuKernels.SortKeysPerSlab(_rows) > GpuKernels.MaxSortKeysPerSlab) return false;
        if (density <= 0)
        {
            if (!taskVector.TryEvaluate(run, start, destination)) return false;
            destination.MemSetToZero();
            return true;
        }
        if (!(density - epsilon > 0 && density + epsilon < 1)) return false;
        // A piece reads the whole slabs of rows around it: a slab larger than a piece would overrun
        // the device budget, so such a tensor is the CPU's (decided on the first piece, for all).
        if (start == 0 && destination.Length < Math.Min(Length, _rows.SlabLength)) return false;

        ulong key = CounterRandom.Key(seed, run.TensorName, modelIndex);
        using var limits = run.Gpu.Accelerator.Allocate1D(Array.ConvertAll(RankedDrop.KeepProbabilities(_rows.RowLength, density, epsilon), CounterRandom.KeepLimit));
        var drop = new PieceDrop(this, run, key, limits.View);
        if (rescale != Rescale.L1)
        {
            if (!drop.TryWrite(start, destination, sums: null)) return false;
            run.Kernels.Scale(destination, SurvivorRescale.Fixed(rescale, density));
            return true;
        }
        float factor;
        if (destination.Length == Length)
        {
            ChunkOrderSum before = new(), after = new();
            if (!drop.TryWrite(0, destination, (before, after))) return false;
            factor = Reductions.L1RescaleRatio(before.Value, after.Value);
        }
        // A piece's factor is the whole tensor's, from a first pass over all the pieces (the destination is its scratch).
        else if (!run.TryRemember(this, () => drop.L1Factor(destination), out factor) || !drop.TryWrite(start, destination, sums: null)) return false;
        run.Kernels.Scale(destination, factor);
        return true;
    }

    /// <summary>The drop of any part of the tensor, from the whole slabs around it.</summary>
    private readonly struct PieceDrop(RankedDropDeviceNode node, DeviceRun run, ulong key, ArrayView<ulong> limits)
    {
        /// <summary>
        /// Writes elements [start, start + destination.Length), dropped and not rescaled; adds the
        /// part's Σ|τ| and Σ|τ·mask| to <paramref name="sums"/> when given (the part starts on a grid chunk).
        /// </summary>
        public bool TryWrite(long start, ArrayView1D<float, Stride1D.Dense> destination, (ChunkOrderSum Before, ChunkOrderSum After)? sums)
        {
            long n = node.Length, slab = node._rows.SlabLength, chunk = ChunkGrid.ChunkElements;
            long slabsFrom = start / slab * slab, slabsTo = Math.Min(n, CeilingTo(start + destination.Length, slab));
            long readFrom = slabsFrom / chunk * chunk, readTo = Math.Min(n, CeilingTo(slabsTo, chunk));
            using var read = run.Allocate<float>(readTo - readFrom);
            if (!node.TaskVector.TryEvaluate(run, readFrom, read.View)) return false;
            var rows = node._rows with { Slabs = (slabsTo - slabsFrom) / slab };
            if (slabsFrom == start && rows.Length == destination.Length && readFrom == start)
                run.Kernels.RankedDrop(read.View, rows, start, key, limits, destination);
            else
            {
                using var dropped = run.Allocate<float>(rows.Length);
                run.Kernels.RankedDrop(read.View.SubView(slabsFrom - readFrom, rows.Length), rows, slabsFrom, key, limits, dropped.View);
                dropped.View.SubView(start - slabsFrom, destination.Length).CopyTo(destination);
            }
            if (sums is var (before, after))
            {
                run.Kernels.AddSumOfMagnitudes(read.View.SubView(start - readFrom, destination.Length), before);
                run.Kernels.AddSumOfMagnitudes(destination, after);
            }
            return true;
        }

        /// <summary>Σ|τ| / Σ|τ·mask| over the whole tensor, from a pass over parts the size of <paramref name="scratch"/> (whole grid chunks).</summary>
        public float? L1Factor(ArrayView1D<float, Stride1D.Dense> scratch)
        {
            ChunkOrderSum before = new(), after = new();
            for (long first = 0; first < node.Length; first += scratch.Length)
                if (!TryWrite(first, scratch.SubView(0, Math.Min(scratch.Length, node.Length - first)), (before, after))) return null;
            return Reductions.L1RescaleRatio(before.Value, after.Value);
        }

        private static long CeilingTo(long value, long multiple) => (value + multiple - 1) / multiple * multiple;
    }
}
