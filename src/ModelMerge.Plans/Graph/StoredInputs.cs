using ModelMerge.Formats;
using ModelMerge.Formats.Safetensors;

namespace ModelMerge.Plans.Graph;

/// <summary>The stored tensors a plan reads, found by walking its inputs.</summary>
public static class StoredInputs
{
    public static IReadOnlyCollection<TensorInfo> Of(ITensorPlan plan)
    {
        var found = new Dictionary<(string, long), TensorInfo>();
        var pending = new Stack<ITensorPlan>([plan]);
        while (pending.Count > 0)
        {
            var next = pending.Pop();
            if (next.StoredSource is TensorInfo stored) found.TryAdd((stored.FilePath, stored.FileOffset), stored);
            foreach (var input in next.Inputs) pending.Push(input);
        }
        return found.Values;
    }

    /// <summary>Asks for every stored input of <paramref name="plan"/> to be read into the page cache ahead of its turn.</summary>
    public static void ReadAhead(ITensorPlan plan)
    {
        foreach (var tensor in Of(plan)) PageAdvice.ReadAhead(tensor.FilePath, tensor.FileOffset, tensor.ByteLength);
    }
}
