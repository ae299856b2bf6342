using System.Buffers;

namespace ModelMerge.Plans.Graph;

/// <summary>
/// The inputs of one combining plan — an optional base and the terms — prepared together (and
/// released together if one fails), read back to back into one pooled buffer: the base's
/// chunk first when there is one, then term i's.
/// </summary>
internal sealed class PreparedInputs : IDisposable
{
    private readonly PreparedTensor[] _inputs;
    private readonly bool _hasBase;

    private PreparedInputs(PreparedTensor[] inputs, bool hasBase)
    {
        _inputs = inputs;
        _hasBase = hasBase;
    }

    public long Length => _inputs[^1].Length;

    /// <summary>The prepared base, or null.</summary>
    public PreparedTensor? BaseTensor => _hasBase ? _inputs[0] : null;

    /// <summary>The prepared terms in order.</summary>
    public IReadOnlyList<PreparedTensor> TermTensors => _hasBase ? _inputs[1..] : _inputs;

    public static PreparedInputs Prepare(ITensorPlan? baseTensor, IReadOnlyList<ITensorPlan> terms, string tensorName, PlanContext context)
    {
        var prepared = new List<PreparedTensor>(terms.Count + 1);
        try
        {
            if (baseTensor is not null) prepared.Add(baseTensor.Prepare(tensorName, context));
            foreach (var plan in terms) prepared.Add(plan.Prepare(tensorName, context));
            return new PreparedInputs([.. prepared], baseTensor is not null);
        }
        catch
        {
            foreach (var p in prepared) p.Dispose();
            throw;
        }
    }

    /// <summary>Reads every input's chunk; return the buffer to <see cref="ArrayPool{T}.Shared"/> when done.</summary>
    public float[] ReadAll(long start, int count)
    {
        var buffer = ArrayPool<float>.Shared.Rent(count * _inputs.Length);
        for (int i = 0; i < _inputs.Length; i++) _inputs[i].Read(start, buffer.AsSpan(i * count, count));
        return buffer;
    }

    /// <summary>The base's chunk in a buffer from <see cref="ReadAll"/>; empty without a base.</summary>
    public ReadOnlySpan<float> Base(float[] buffer, int count) => _hasBase ? buffer.AsSpan(0, count) : default;

    /// <summary>The terms' chunks, back to back.</summary>
    public ReadOnlySpan<float> Terms(float[] buffer, int count)
    {
        int skip = _hasBase ? count : 0;
        return buffer.AsSpan(skip, count * _inputs.Length - skip);
    }

    public void Dispose()
    {
        foreach (var input in _inputs) input.Dispose();
    }
}
