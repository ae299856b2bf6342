using ModelMerge.Formats;
using ModelMerge.Methods;
using ModelMerge.Plans.Parameters;
using ModelMerge.Plans.Handles;
using ModelMerge.TestData;

namespace ModelMerge.Tests.Methods.Support;

/// <summary>
/// A generated llama base and two fine-tunes of it (FineTuneSeed 1 and 2), stored as BF16, in
/// two sizes: <see cref="LlamaShape.Tiny"/>, whose tensors all fit in one 64 Ki grid chunk, and a
/// wider one whose large tensors span up to three chunks, so that thread count and chunk
/// boundaries can matter.
/// </summary>
public sealed class GeneratedLlamas : IDisposable
{
    /// <summary>Embeddings of 2.7 grid chunks, MLP matrices of 1.5, attention matrices of exactly 1 and ½.</summary>
    public static readonly LlamaShape Wide = new(Hidden: 256, Intermediate: 384, Layers: 1, Heads: 4, KeyValueHeads: 2, Vocab: 700);

    private readonly TempFolder _folder = new("llama");
    private readonly Dictionary<string, GeneratedLlamaSet> _sets = new(StringComparer.Ordinal);
    private int _exports;

    public GeneratedLlamas()
    {
        _sets["tiny"] = new GeneratedLlamaSet(_folder.Child("tiny"), LlamaShape.Tiny);
        _sets["wide"] = new GeneratedLlamaSet(_folder.Child("wide"), Wide);
    }

    public GeneratedLlamaSet this[string shape] => _sets[shape];

    public string NewTarget() => _folder.Child($"out{Interlocked.Increment(ref _exports)}");

    public void Dispose() => _folder.Dispose();
}

/// <summary>Base, ft1 and ft2 of one shape: their handles, and the values as stored (already rounded to bf16).</summary>
public sealed class GeneratedLlamaSet
{
    internal GeneratedLlamaSet(string folder, LlamaShape shape)
    {
        var models = new[] { (ulong?)null, 1UL, 2UL }
            .Select((fineTune, i) => LlamaCheckpointGenerator.Write(Path.Combine(folder, i == 0 ? "base" : $"ft{i}"),
                new GeneratedModel(shape, DType.BF16, BaseSeed: 1, FineTuneSeed: fineTune)))
            .ToArray();
        Base = CheckpointHandle.Open(models[0]);
        FineTunes = [CheckpointHandle.Open(models[1]), CheckpointHandle.Open(models[2])];
        // From the files, not from LlamaCheckpointGenerator.Value: the merge sees the bf16-rounded inputs.
        BaseValues = SafetensorsFiles.ReadSingles(models[0]);
        FineTuneValues = [SafetensorsFiles.ReadSingles(models[1]), SafetensorsFiles.ReadSingles(models[2])];
        TensorNames = Base.Tensors.Select(t => t.Name).ToArray();
    }

    public CheckpointHandle Base { get; }

    public CheckpointHandle[] FineTunes { get; }

    public Dictionary<string, float[]> BaseValues { get; }

    public Dictionary<string, float[]>[] FineTuneValues { get; }

    public string[] TensorNames { get; }

    /// <summary>
    /// One merge of these models by <paramref name="method"/>, with settings that exercise it: linear
    /// over all three, slerp of the fine-tunes at t = 0.3, model stock of both over the base, or a task-arithmetic-family method over both
    /// task vectors (weights 1 and −0.4, density 0.3, λ 0.9, seed 77).
    /// </summary>
    public CheckpointHandle Merge(string method) => method switch
    {
        "linear" => LinearMerge.Build([Base, .. FineTunes], [0.5, 0.3, 0.2]),
        "slerp" => MethodMerge.Build(new MergeRequest(MergeMethods.Find("slerp")!, [MergeInput.Of(FineTunes[1])])
        {
            Base = FineTunes[0],
            Settings = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase) { ["t"] = ParameterSetting.Of(0.3) },
        }),
        "model_stock" => MethodMerge.Build(new MergeRequest(MergeMethods.Find("model_stock")!, [.. FineTunes.Select(f => MergeInput.Of(f))]) { Base = Base }),
        _ => TaskArithmeticMerge.Build(TaskArithmeticMethod.Find(method)!, TaskVectors(1.0, -0.4),
            new TaskArithmeticOptions { Density = [0.3], Lambda = 0.9, Seed = 77 }),
    };

    public List<TaskVectorHandle> TaskVectors(params double[] weights) =>
        weights.Select((w, i) => Plans.Handles.TaskVectors.Difference(Base, FineTunes[i], w)).ToList();

    public float[][] Taus(string tensor) =>
        FineTuneValues.Select(ft => MergeReference.TaskVector(ft[tensor], BaseValues[tensor])).ToArray();
}

/// <summary>Generating the llamas costs more than most tests that use them, so every class shares one set.</summary>
[CollectionDefinition(Name)]
public sealed class GeneratedLlamaCollection : ICollectionFixture<GeneratedLlamas>
{
    public const string Name = "generated llamas";
}
