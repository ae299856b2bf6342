using ModelMerge.Plans.Handles;

namespace ModelMerge.Tests.Methods.Support;

/// <summary>
/// A base and five fine-tunes written as F32 checkpoints from a seeded System.Random, one
/// tensor per length. The base is of a trained model's scale (|θ_b| ≤ 0.03) and the fine-tunes
/// differ from it in the ways that stress a merge:
///   ft1, ft2, ft5: continuous deltas of about ±0.002;
///   ft3: deltas in {0, ±1, ±2, ±3}·2^-9 only, so thousands of |τ| tie at any trim cut;
///   ft4: identical to the base, an all-zero task vector.
/// The base is a multiple of 2^-20, so ft3 = θ_b + k·2^-9 and its τ are exact in float32.
/// </summary>
public abstract class RandomCheckpoints : IDisposable
{
    private readonly TempFolder _folder = new("random");
    private int _exports;

    /// <param name="smallestBase">The least |θ_b| in units of 2^-20: 0 lets θ_b + Δ cancel to nearly nothing.</param>
    protected RandomCheckpoints(int[] lengths, int seed, int smallestBase = 0)
    {
        var random = new Random(seed);
        TensorNames = lengths.Select(n => $"blocks.{n}.weight").ToArray();
        BaseValues = new Dictionary<string, float[]>(StringComparer.Ordinal);
        FineTuneValues = Enumerable.Range(0, 5).Select(_ => new Dictionary<string, float[]>(StringComparer.Ordinal)).ToArray();
        for (int t = 0; t < lengths.Length; t++)
        {
            string name = TensorNames[t];
            var theta = Enumerable.Range(0, lengths[t])
                .Select(_ => (random.Next(2) == 0 ? -1 : 1) * random.Next(smallestBase, 20_001 + smallestBase) * (1f / (1 << 20))).ToArray();
            BaseValues[name] = theta;
            FineTuneValues[0][name] = theta.Select(x => (float)(x + (random.NextDouble() - 0.5) * 0.004)).ToArray();
            FineTuneValues[1][name] = theta.Select(x => (float)(x + (random.NextDouble() - 0.5) * 0.006)).ToArray();
            FineTuneValues[2][name] = theta.Select(x => x + random.Next(-3, 4) * (1f / 512)).ToArray();
            FineTuneValues[3][name] = (float[])theta.Clone();
            FineTuneValues[4][name] = theta.Select(x => (float)(x + (random.NextDouble() - 0.5) * 0.004)).ToArray();
        }
        Base = Write("base", BaseValues);
        FineTunes = FineTuneValues.Select((values, i) => Write($"ft{i + 1}", values)).ToArray();
    }

    public string[] TensorNames { get; }

    public Dictionary<string, float[]> BaseValues { get; }

    public Dictionary<string, float[]>[] FineTuneValues { get; }

    public CheckpointHandle Base { get; }

    public CheckpointHandle[] FineTunes { get; }

    public string NewTarget() => _folder.Child($"out{Interlocked.Increment(ref _exports)}");

    public List<TaskVectorHandle> TaskVectors(IReadOnlyList<double> weights) =>
        weights.Select((w, i) => Plans.Handles.TaskVectors.Difference(Base, FineTunes[i], w)).ToList();

    /// <summary>τ_i of one tensor, as float32 differences (see <see cref="MergeReference.TaskVector"/>).</summary>
    public float[][] Taus(string tensor) =>
        FineTuneValues.Select(ft => MergeReference.TaskVector(ft[tensor], BaseValues[tensor])).ToArray();

    private CheckpointHandle Write(string name, Dictionary<string, float[]> values) =>
        CheckpointHandle.Open(SafetensorsFiles.WriteF32(_folder.Child(name), TensorNames.Select(t => new TensorValues(t, values[t])).ToList()));

    public void Dispose()
    {
        _folder.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>Lengths 1, 7, 1000 and two that cross the 64 Ki chunk grid at odd offsets.</summary>
public sealed class OddLengthCheckpoints() : RandomCheckpoints([1, 7, 1000, 65536 + 123, 3 * 65536 + 5], seed: 20260611);

/// <summary>
/// Lengths as <see cref="TrimmableCheckpoints"/>, with every |θ_b| in [0.01, 0.03] as in a trained
/// model's large weights, so no output cancels against its base.
/// </summary>
public sealed class RealisticCheckpoints() : RandomCheckpoints([7, 1000, 65536 + 123, 3 * 65536 + 5], seed: 20260613, smallestBase: 10_486);

/// <summary>The odd lengths a trim can act on: floor(d·1) = 0 would refuse the length-1 tensor.</summary>
public sealed class TrimmableCheckpoints() : RandomCheckpoints([7, 1000, 65536 + 123, 3 * 65536 + 5], seed: 20260612);

/// <summary>Writing the random checkpoints is shared by the reference tests that read them.</summary>
[CollectionDefinition(Name)]
public sealed class RandomCheckpointCollection : ICollectionFixture<OddLengthCheckpoints>, ICollectionFixture<TrimmableCheckpoints>, ICollectionFixture<RealisticCheckpoints>
{
    public const string Name = "random checkpoints";
}
