using ModelMerge.Compute;
using ModelMerge.Formats;
using ModelMerge.Formats.Safetensors;

namespace ModelMerge.Plans.Graph;

/// <summary>
/// One reader per stored tensor while any plan uses it. A merge reads the base tensor through
/// several plans (each task vector subtracts it, the result adds it back); sharing the reader
/// opens the file once instead of once per plan. Each read tests the elements it widens for NaN
/// and ±∞ and hands any it finds to <paramref name="nonFinite"/>. As a pass moves through the
/// tensor being computed, the readers open for it (its inputs: one tensor is computed at a time)
/// have the next window read into the page cache while this one computes.
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
                shared = new Shared(this, key, TensorReader.Open(tensor));
                _open[key] = shared;
            }
            shared.References++;
            return new Reader(shared, nonFinite);
        }
    }

    public void Ahead(long start, long end)
    {
        lock (_open)
            foreach (var shared in _open.Values) shared.Tensor.ReadAhead(start, end);
    }

    private void Release(Shared shared)
    {
        lock (_open)
        {
            if (--shared.References > 0) return;
            _open.Remove(shared.Key);
            shared.Tensor.Dispose();
        }
    }

    private sealed class Shared(StoredTensorCache owner, (string, long) key, TensorReader reader)
    {
        public (string, long) Key { get; } = key;

        public TensorReader Tensor { get; } = reader;

        public int References { get; set; }

        public void Release() => owner.Release(this);
    }

    private sealed class Reader(Shared shared, NonFiniteInputs nonFinite) : PreparedTensor
    {
        private int _released;

        public override long Length => shared.Tensor.Info.ElementCount;

        public override void Read(long start, Span<float> destination)
        {
            if (!shared.Tensor.ReadSingles(start, destination)) nonFinite.Found(shared.Tensor, start, destination.Length);
        }

        public override TensorReader Stored => shared.Tensor;

        public override void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) shared.Release();
        }
    }
}
