using System.Buffers;

namespace ModelMerge.Plans.Graph;

/// <summary>
/// Several inputs of one plan, prepared together (and released together if one fails), read
/// back to back into one pooled buffer: input i's chunk lands at [i·n, (i+1)·n).
/// </summary>
internal sealed class PreparedInputs : IDisposable
{
    private readonly PreparedTensor[] _inputs;

    private PreparedInputs(PreparedTensor[] inputs) => _inputs = inputs;

    public int Count => _inputs.Length;

    public long Length => _inputs[0].Length;

    public static PreparedInputs Prepare(IReadOnlyList<ITensorPlan> plans, string tensorName, PlanContext context)
    {
        var prepared = new List<PreparedTensor>(plans.Count);
        try
        {
            foreach (var plan in plans) prepared.Add(plan.Prepare(tensorName, context));
            return new PreparedInputs([.. prepared]);
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

    public void Dispose()
    {
        foreach (var input in _inputs) input.Dispose();
    }
}
