using ModelMerge.Compute;
using ModelMerge.Formats;
using ModelMerge.Formats.Numerics;
using ModelMerge.Formats.Safetensors;

namespace ModelMerge.Plans.Graph;

/// <summary>
/// What an export does about NaN and ±∞ in the stored tensors it reads. Every read of stored
/// bytes tests for them as it widens or copies (<see cref="NonFiniteElements"/>) and calls
/// <see cref="Found"/> only for a range that has one, so sound inputs cost nothing here.
/// By default that stops the export: one such value spreads into every merged value it
/// touches (a TIES sign vote, a norm, a spherical angle) and would be written into a folder
/// that looks finished. Allowed, the values are merged as they are and counted — once per
/// input element however many plans read it — for one warning per input tensor.
/// </summary>
public sealed class NonFiniteInputs(bool allow)
{
    private readonly Dictionary<(string File, long Offset), Tally> _tallies = [];

    /// <summary>Whether NaN and ±∞ are merged as they are (and reported) rather than refused.</summary>
    public bool Allowed => allow;

    /// <summary>
    /// A read of elements [start, start + count) of <paramref name="tensor"/> saw a NaN or ±∞.
    /// Refused, this throws NonFiniteInput naming the tensor's first such element: the lowest
    /// index, whichever thread came upon one first.
    /// </summary>
    public void Found(TensorReader tensor, long start, int count)
    {
        using (var read = tensor.ReadElements(start, count))
            if (NonFiniteElements.AllFinite(tensor.Info.DType, read.Span)) return;
        if (!allow)
        {
            if (FirstRefusal(tensor, start + count) is CheckpointFormatException refusal) throw refusal;
            return;
        }
        Tally tally;
        lock (_tallies)
        {
            var key = (tensor.Info.FilePath, tensor.Info.FileOffset);
            if (!_tallies.TryGetValue(key, out tally!)) _tallies[key] = tally = new Tally(tensor.Info);
        }
        long end = start + count;
        for (long from = start; from < end; from = (from / ChunkGrid.ChunkElements + 1) * ChunkGrid.ChunkElements)
        {
            int length = (int)(Math.Min(end, (from / ChunkGrid.ChunkElements + 1) * ChunkGrid.ChunkElements) - from);
            using var read = tensor.ReadElements(from, length);
            var found = NonFiniteElements.Count(tensor.Info.DType, read.Span);
            if (found.Total > 0) tally.Record(from, length, found);
        }
    }

    /// <summary>One line per input tensor found holding NaN or ±∞ since the last call, in file and name order.</summary>
    public IReadOnlyList<string> TakeReports()
    {
        List<Tally> due;
        lock (_tallies)
        {
            due = _tallies.Values.Where(t => !t.Reported && t.HasCounts).OrderBy(t => t.Tensor.FilePath, StringComparer.Ordinal)
                .ThenBy(t => t.Tensor.Name, StringComparer.Ordinal).ToList();
            foreach (var tally in due) tally.Reported = true;
        }
        return due.Select(t => t.Report()).ToList();
    }

    private static CheckpointFormatException? FirstRefusal(TensorReader tensor, long end)
    {
        var info = tensor.Info;
        for (long from = 0; from < end; from += ChunkGrid.ChunkElements)
        {
            int length = (int)Math.Min(ChunkGrid.ChunkElements, end - from);
            using var read = tensor.ReadElements(from, length);
            var bytes = read.Span;
            if (NonFiniteElements.AllFinite(info.DType, bytes)) continue;
            int first = NonFiniteElements.Count(info.DType, bytes).First;
            return new CheckpointFormatException(SafetensorsErrors.NonFinite, info.FilePath,
                $"element {Position(info, from + first)} is {NonFiniteElements.Describe(info.DType, bytes, first)}; a NaN or infinity spreads into "
                + "every merged value it touches, so nothing is written. Repair or replace this checkpoint, or pass -AllowNonFinite to "
                + "Export-Checkpoint to merge it as it is.", info.Name);
        }
        return null;
    }

    private static string Position(TensorInfo tensor, long index) => Position(tensor.Shape, index);

    /// <summary>A flat index and, for a matrix or more, where it falls in the shape: "70 [1, 6]".</summary>
    internal static string Position(IReadOnlyList<long> shape, long index)
    {
        if (shape.Count < 2) return index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var coordinates = new long[shape.Count];
        long rest = index;
        for (int d = coordinates.Length - 1; d >= 0; d--)
        {
            coordinates[d] = rest % shape[d];
            rest /= shape[d];
        }
        return $"{index} {ShapeMath.Format(coordinates)}";
    }

    /// <summary>One input tensor's counts, per grid chunk so that a chunk read by several plans counts once.</summary>
    private sealed class Tally(TensorInfo tensor)
    {
        private readonly Dictionary<long, (int Covered, NonFiniteCount Count)> _chunks = [];

        public TensorInfo Tensor { get; } = tensor;

        public bool Reported { get; set; }

        public bool HasCounts
        {
            get { lock (_chunks) return _chunks.Count > 0; }
        }

        /// <summary>A longer read of the same chunk (the whole of it after an embedding's cut prefix) supersedes a shorter one.</summary>
        public void Record(long start, int length, NonFiniteCount count)
        {
            lock (_chunks)
                if (!_chunks.TryGetValue(start, out var known) || known.Covered < length) _chunks[start] = (length, count);
        }

        public string Report()
        {
            lock (_chunks)
            {
                int nan = _chunks.Values.Sum(c => c.Count.NaN), infinite = _chunks.Values.Sum(c => c.Count.Infinite);
                long first = _chunks.Min(c => c.Key + c.Value.Count.First);
                return $"{Tensor.FilePath}: tensor '{Tensor.Name}': {nan + infinite} non-finite value{(nan + infinite == 1 ? "" : "s")} "
                    + $"({nan} NaN, {infinite} infinite), the first at element {Position(Tensor, first)}; merged as they are (-AllowNonFinite).";
            }
        }
    }
}
