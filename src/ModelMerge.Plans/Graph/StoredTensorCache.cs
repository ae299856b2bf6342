using ModelMerge.Compute;
using ModelMerge.Formats;
using ModelMerge.Formats.Safetensors;

namespace ModelMerge.Plans.Graph;

/// <summary>
/// One memory map per stored tensor while any plan uses it. A merge reads the base tensor
/// through several plans (each task vector subtracts it, the result adds it back); sharing the
/// map sets up its pages once instead of once per reader. Each read tests the elements it widens
/// for NaN and ±∞ and hands any it finds to <paramref name="nonFinite"/>. As a pass moves
/// through the tensor being computed, the maps open for it (its inputs: one tensor is computed
/// at a time) read ahead of the pass and let go of the pages behind it, so the resident set holds
/// a window or two of each input, not whole tensors.
/// </summary>
internal sealed class StoredTensorCache(NonFiniteInputs nonFinite) : IPassObserver
{
    private readonly Dictionary<(string File, long Offset), Shared> _open = [];

    public PreparedTensor Acquire(TensorInfo tensor)
    {
        lock (_open)
        {
            var key = (tensor.FilePath, tensor.FileOffset);
            if (!_open.TryGetValue(key, out var shared))
            {
                shared = new Shared(this, key, MappedTensor.Open(tensor));
                _open[key] = shared;
            }
            shared.References++;
            return new Reader(shared, nonFinite);
        }
    }

    public void Ahead(long start, long end)
    {
        lock (_open)
            foreach (var shared in _open.Values) shared.Mapped.ReadAhead(start, end);
    }

    public void Behind(long start, long end)
    {
        lock (_open)
            foreach (var shared in _open.Values) shared.Mapped.Release(start, end);
    }

    private void Release(Shared shared)
    {
        lock (_open)
        {
            if (--shared.References > 0) return;
            _open.Remove(shared.Key);
            shared.Mapped.Dispose();
        }
    }

    private sealed class Shared(StoredTensorCache owner, (string, long) key, MappedTensor mapped)
    {
        public (string, long) Key { get; } = key;

        public MappedTensor Mapped { get; } = mapped;

        public int References { get; set; }

        public void Release() => owner.Release(this);
    }

    private sealed class Reader(Shared shared, NonFiniteInputs nonFinite) : PreparedTensor
    {
        private int _released;

        public override long Length => shared.Mapped.Info.ElementCount;

        public override void Read(long start, Span<float> destination)
        {
            if (!shared.Mapped.ReadSingles(start, destination)) nonFinite.Found(shared.Mapped, start, destination.Length);
        }

        public override MappedTensor Stored => shared.Mapped;

        public override void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) shared.Release();
        }
    }
}
