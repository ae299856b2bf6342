using ModelMerge.Formats;
using ModelMerge.Formats.Folders;
using ModelMerge.Plans.Graph;

namespace ModelMerge.Plans.Handles;

/// <summary>
/// A whole checkpoint, stored or still to be computed: its tensors' names, types and shapes,
/// and a plan for each tensor's values. Immutable; building one reads headers only.
/// </summary>
public sealed class CheckpointHandle
{
    private readonly Dictionary<string, int> _index;
    private readonly Func<TensorSpec, ITensorPlan> _planFor;
    private readonly Func<string, string>? _sourceNames;

    internal CheckpointHandle(string name, string description, string? path, IReadOnlyList<TensorSpec> tensors,
        Func<TensorSpec, ITensorPlan> planFor, SafetensorsCheckpoint donor, IReadOnlySet<string> inputPaths,
        IReadOnlyDictionary<string, long>? configChanges = null, Func<string, string>? sourceNames = null, MergeSummary? summary = null,
        DType? outputDType = null)
    {
        OutputDType = outputDType;
        Summary = summary;
        _sourceNames = sourceNames;
        ConfigChanges = configChanges ?? new Dictionary<string, long>();
        Name = name;
        Description = description;
        Path = path;
        Tensors = tensors;
        _planFor = planFor;
        Donor = donor;
        InputPaths = inputPaths;
        _index = new Dictionary<string, int>(tensors.Count, StringComparer.Ordinal);
        for (int i = 0; i < tensors.Count; i++) _index[tensors[i].Name] = i;
    }

    /// <summary>A short name: the folder or file name for a stored checkpoint, the method for a merge.</summary>
    public string Name { get; }

    /// <summary>What this checkpoint is: "stored", or how it is computed from its inputs.</summary>
    public string Description { get; }

    /// <summary>Where the checkpoint is stored; null while it is only a plan.</summary>
    public string? Path { get; }

    public bool IsStored => Path is not null;

    public IReadOnlyList<TensorSpec> Tensors { get; }

    public int TensorCount => Tensors.Count;

    public long ParameterCount => Tensors.Sum(t => t.ElementCount);

    /// <summary>Distinct element types, most common first.</summary>
    public IReadOnlyList<DType> DTypes => Tensors.GroupBy(t => t.DType).OrderByDescending(g => g.Count()).Select(g => g.Key).ToList();

    /// <summary>Bytes of the weight files on disk; null for a planned checkpoint.</summary>
    public long? SizeOnDisk => IsStored ? Donor.SizeOnDisk : null;

    /// <summary>The stored checkpoint whose config and tokenizer files an export copies (the base model).</summary>
    internal SafetensorsCheckpoint Donor { get; }

    /// <summary>Integer keys an export writes into the donor's config.json (num_hidden_layers of a layer stack).</summary>
    internal IReadOnlyDictionary<string, long> ConfigChanges { get; }

    /// <summary>How the checkpoint was merged, for its model card; null for a stored checkpoint.</summary>
    public MergeSummary? Summary { get; }

    /// <summary>This handle with <paramref name="summary"/> as its account of itself (a recipe's text added, say).</summary>
    internal CheckpointHandle WithSummary(MergeSummary summary) =>
        new(Name, Description, Path, Tensors, _planFor, Donor, InputPaths, ConfigChanges, _sourceNames, summary, OutputDType) { Device = Device };

    /// <summary>Where an export of this handle computes unless the export names a device: the -Device of the cmdlet that made it; null when it named none.</summary>
    public Devices.ComputeDevice? Device { get; private init; }

    /// <summary>This handle, to be computed on <paramref name="device"/>.</summary>
    public CheckpointHandle WithDevice(Devices.ComputeDevice device) =>
        new(Name, Description, Path, Tensors, _planFor, Donor, InputPaths, ConfigChanges, _sourceNames, Summary, OutputDType) { Device = device };

    /// <summary>The type floating-point tensors are written in unless the export says otherwise (a recipe's out_dtype); null keeps each tensor's.</summary>
    public DType? OutputDType { get; }

    /// <summary>This handle writing its floating-point tensors as <paramref name="dtype"/>.</summary>
    internal CheckpointHandle WithOutputDType(DType dtype) =>
        new(Name, Description, Path, Tensors.Select(t => t.IsMergeable ? t with { DType = dtype } : t).ToList(), _planFor, Donor, InputPaths,
            ConfigChanges, _sourceNames, Summary, dtype) { Device = Device };

    /// <summary>
    /// The name tensor <paramref name="name"/> has in the model it comes from: the same name, but
    /// for a layer stack the input layer's (per-model parameter filters match that name, §1.3).
    /// </summary>
    internal string SourceNameOf(string name) => _sourceNames?.Invoke(name) ?? name;

    /// <summary>Every stored checkpoint path this handle reads, so an export never overwrites one.</summary>
    internal IReadOnlySet<string> InputPaths { get; }

    public TensorSpec? FindTensor(string name) => _index.TryGetValue(name, out int i) ? Tensors[i] : null;

    /// <summary>The plan computing tensor <paramref name="name"/>; cheap, reads nothing.</summary>
    public ITensorPlan PlanFor(string name) =>
        _index.TryGetValue(name, out int i) ? _planFor(Tensors[i]) : throw new KeyNotFoundException($"checkpoint '{Name}' has no tensor '{name}'.");

    /// <summary>Opens a stored checkpoint: reads and validates its headers, no tensor data.</summary>
    public static CheckpointHandle Open(string path)
    {
        var stored = SafetensorsCheckpoint.Open(path);
        var specs = stored.Tensors.Select(t => new TensorSpec(t.Name, t.DType, t.Shape)).ToList();
        string name = System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(stored.Path));
        return new CheckpointHandle(name, "stored", stored.Path, specs,
            spec => new StoredTensorPlan(stored.Find(spec.Name)!), stored, new HashSet<string>([stored.Path], StringComparer.Ordinal));
    }

    public override string ToString() => IsStored ? Path! : $"{Name}: {Description}";
}
