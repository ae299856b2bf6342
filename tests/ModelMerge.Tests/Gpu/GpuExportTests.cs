using ModelMerge.Formats;
using ModelMerge.Methods;
using ModelMerge.Plans;
using ModelMerge.Plans.Devices;
using ModelMerge.Plans.Export;
using ModelMerge.Plans.Handles;
using ModelMerge.Plans.Parameters;
using ModelMerge.TestData;
using ModelMerge.Tests.Formats;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Gpu;

/// <summary>
/// Exports computed on the (simulated) GPU write, file for file, the bytes the CPU backend
/// writes; the GPU computes every floating-point tensor of the card's merges and leaves to the
/// CPU what it has no kernels for, what holds NaN, and what it is not given. The wide llama's
/// embeddings span three grid chunks, so chunk-ordered sums and the top-k cut across chunks are
/// in play.
/// </summary>
[Collection(SimulatedDeviceCollection.Name)]
public sealed class GpuExportTests(SimulatedDevice device) : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Generate(string name) =>
        LlamaCheckpointGenerator.Write(_folder.Combine(name), new GeneratedModel(LlamaShape.Tiny, DType.BF16, BaseSeed: 3, FineTuneSeed: name == "b" ? 5UL : null));

    private (byte[][] Bytes, List<string> Verbose) Export(CheckpointHandle checkpoint, ExportOptions options) => Export(checkpoint, options, []);

    /// <summary>
    /// Exports <paramref name="checkpoint"/> on the GPU and on the CPU: the same bytes, the same
    /// warnings, and the GPU computed <paramref name="computed"/> tensors (by default every float tensor).
    /// </summary>
    /// <returns>The CPU's warnings.</returns>
    private List<string> AssertTheGpuWritesTheCpuBytes(CheckpointHandle checkpoint, long? budget = null, DType? dtype = null, int? computed = null)
    {
        List<string> gpuWarnings = [], cpuWarnings = [];
        var (gpu, said) = Export(checkpoint, new ExportOptions { Accelerator = device.Gpu, DeviceMemoryBudget = budget, DType = dtype }, gpuWarnings);
        var (cpu, _) = Export(checkpoint, new ExportOptions { Device = ComputeDevice.Cpu, DType = dtype }, cpuWarnings);

        Assert.Equal(cpu, gpu);
        Assert.Equal(cpuWarnings.Order(), gpuWarnings.Order());
        int expected = computed ?? checkpoint.Tensors.Count(t => t.IsMergeable);
        Assert.Contains($"The GPU computed {expected} of {checkpoint.TensorCount} tensors; the CPU copied or computed the rest.", said);
        return cpuWarnings;
    }

    private (byte[][] Bytes, List<string> Verbose) Export(CheckpointHandle checkpoint, ExportOptions options, List<string> warnings)
    {
        var verbose = new List<string>();
        var result = CheckpointExporter.Export(checkpoint, _folder.Combine("out-" + Guid.NewGuid().ToString("N")), options, verbose: verbose.Add, warn: warnings.Add);
        return (SafetensorsFiles.WeightFileBytes(result.Path), verbose);
    }

    public static TheoryData<string, string> Merges => new()
    {
        { "tiny", "ties" }, { "tiny", "dare_ties" }, { "tiny", "dare_linear" }, { "tiny", "task_arithmetic" }, { "tiny", "linear" }, { "tiny", "slerp" },
        { "tiny", "breadcrumbs" }, { "tiny", "breadcrumbs_ties" }, { "tiny", "della" }, { "tiny", "della_linear" }, { "tiny", "model_stock" },
        { "wide", "ties" }, { "wide", "slerp" }, { "wide", "breadcrumbs_ties" }, { "wide", "model_stock" },
    };

    [Theory]
    [MemberData(nameof(Merges))]
    public void The_gpu_writes_the_cpu_bytes_of_each_merge_and_computes_every_float_tensor(string shape, string method)
    {
        var merged = new GeneratedLlamaSet(_folder.Combine(shape), shape == "wide" ? GeneratedLlamas.Wide : LlamaShape.Tiny).Merge(method);

        var warnings = AssertTheGpuWritesTheCpuBytes(merged);

        // Model stock's warnings for ratios outside [0, 1] among them: unrelated offsets give some.
        if (method == "model_stock") Assert.Contains(warnings, w => w.Contains("model_stock's ratio t is outside [0, 1]", StringComparison.Ordinal));
    }

    /// <summary>
    /// Merged values rounded to IEEE half on the device write the CPU's bytes (every half pattern
    /// and rounding tie is checked in <see cref="HalfConversionKernelTests"/>).
    /// </summary>
    [Theory]
    [InlineData("ties")]
    [InlineData("task_arithmetic")]
    [InlineData("slerp")]
    public void A_merge_written_as_f16_on_the_gpu_has_the_cpu_bytes(string method)
    {
        var merged = new GeneratedLlamaSet(_folder.Combine("tiny"), LlamaShape.Tiny).Merge(method);

        AssertTheGpuWritesTheCpuBytes(merged, dtype: DType.F16);
    }

    public static TheoryData<string, long> SplitMerges => new()
    {
        { "task_arithmetic", 3_000_000 }, { "linear", 3_000_000 }, { "ties", 3_000_000 }, { "ties_l1", 3_000_000 },
        { "dare_linear", 3_000_000 }, { "slerp", 1_200_000 }, { "breadcrumbs_ties", 3_000_000 }, { "breadcrumbs_l1", 3_000_000 },
        { "model_stock", 3_000_000 },
    };

    /// <summary>
    /// A small device budget splits the wide llama's larger tensors into pieces of one or two grid
    /// chunks, and the GPU still computes every one of them. Task arithmetic and linear are
    /// elementwise; what needs the whole tensor is found first, in passes over the pieces: TIES's
    /// cut for each task vector, breadcrumbs' two edges, model stock's Gram sums, the L1 rescale's sums (TIES's and DARE's), SLERP's dot products.
    /// </summary>
    [Theory]
    [MemberData(nameof(SplitMerges))]
    public void Tensors_larger_than_the_device_budget_are_computed_on_the_gpu_in_pieces(string method, long budget)
    {
        var models = new GeneratedLlamaSet(_folder.Combine("wide"), GeneratedLlamas.Wide);
        var merged = method.EndsWith("_l1", StringComparison.Ordinal)
            ? TaskArithmeticMerge.Build(TaskArithmeticMethod.Find(method[..^3])!, models.TaskVectors(1.0, -0.4),
                new TaskArithmeticOptions { Density = [0.3], Gamma = [0.1], Lambda = 0.9, Seed = 77, Rescale = Rescale.L1 })
            : models.Merge(method);

        AssertTheGpuWritesTheCpuBytes(merged, budget);
    }

    /// <summary>
    /// A fine-tune with 100 more vocabulary rows than the base: its task vector is dropped (DARE,
    /// L1 rescale) over all its rows, then cut to the base's rows for TIES. The GPU computes the
    /// cut's inner tensor whole when the tensor fits, and piece by piece when it does not (the
    /// drop's sums then run over the inner tensor's own grid chunks); both write the CPU's bytes.
    /// </summary>
    /// <summary>One f32 embedding of <paramref name="rows"/> × <paramref name="columns"/> values in [−0.05, 0.05).</summary>
    private CheckpointHandle Embedding(string name, int rows, int columns, int seed)
    {
        var random = new Random(seed);
        var values = Enumerable.Range(0, rows * columns).Select(_ => (float)(random.NextDouble() - 0.5) * 0.1f).ToArray();
        string folder = SafetensorsFiles.WriteF32(_folder.Combine(name), [new TensorValues("model.embed_tokens.weight", [rows, columns], values)]);
        File.WriteAllText(Path.Combine(folder, "config.json"), $"{{\"vocab_size\": {rows}, \"num_hidden_layers\": 0}}");
        return CheckpointHandle.Open(folder);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(4_000_000L)]
    public void A_vocabulary_cut_over_a_dropped_task_vector_writes_the_cpu_bytes(long? budget)
    {
        var baseModel = Embedding("vocab-base", 4000, 64, 1);
        var dropped = TaskVectors.RandomDrop(TaskVectors.Difference(baseModel, Embedding("vocab-larger", 4100, 64, 2)), 0.5, 7, 0, Rescale.L1);
        var merged = TaskArithmeticMerge.Build(TaskArithmeticMethod.Find("ties")!, [dropped, TaskVectors.Difference(baseModel, Embedding("vocab-other", 4000, 64, 3))],
            new TaskArithmeticOptions { Density = [0.3] });

        AssertTheGpuWritesTheCpuBytes(merged, budget);
    }

    /// <summary>
    /// DELLA over a 200 × 600 tensor with a budget that holds one grid chunk of it: the first
    /// piece ends inside a row, so it ranks the whole rows around it, read from the grid chunk where they start, and
    /// the L1 factor comes from a first pass over every piece.
    /// </summary>
    [Theory]
    [InlineData(Rescale.Inverse)]
    [InlineData(Rescale.L1)]
    public void Della_in_pieces_ranks_the_whole_rows_around_each_piece(Rescale rescale)
    {
        var baseModel = Embedding("della-base", 200, 600, 1);
        var vectors = new[] { 2, 3 }.Select(seed => TaskVectors.Difference(baseModel, Embedding($"della-{seed}", 200, 600, seed))).ToList();
        var merged = TaskArithmeticMerge.Build(TaskArithmeticMethod.Find("della")!, vectors,
            new TaskArithmeticOptions { Density = [0.4], Epsilon = [0.2], Seed = 5, Rescale = rescale });

        AssertTheGpuWritesTheCpuBytes(merged, 5_000_000);
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F16)]
    public void Converting_a_bf16_checkpoint_on_the_gpu_writes_the_cpu_bytes_and_says_the_gpu_computed_every_float_tensor(DType dtype)
    {
        AssertTheGpuWritesTheCpuBytes(CheckpointHandle.Open(Generate("model")), dtype: dtype);
    }

    [Fact]
    public void A_nan_in_an_input_is_left_to_the_cpu_which_refuses_it_as_always()
    {
        var values = Enumerable.Range(0, 3000).Select(i => i * 0.01f).ToArray();
        var poisoned = (float[])values.Clone();
        poisoned[2345] = float.NaN;
        var clean = CheckpointHandle.Open(SafetensorsFiles.WriteF32(_folder.Combine("clean"), [new TensorValues("model.norm.weight", values)]));
        var bad = CheckpointHandle.Open(SafetensorsFiles.WriteF32(_folder.Combine("bad"), [new TensorValues("model.norm.weight", poisoned)]));
        var merged = LinearMerge.Build([clean, bad], [0.5, 0.5]);

        var onGpu = Assert.Throws<CheckpointFormatException>(() => Export(merged, new ExportOptions { Accelerator = device.Gpu }));
        var onCpu = Assert.Throws<CheckpointFormatException>(() => Export(merged, new ExportOptions { Device = ComputeDevice.Cpu }));

        Assert.Equal("NonFiniteInput", onGpu.ErrorId);
        Assert.Equal(onCpu.Message, onGpu.Message);
        Assert.Contains("2345", onGpu.Message);
    }

    [Fact]
    public void A_value_rounded_to_infinity_on_the_gpu_is_refused_as_the_cpu_refuses_it()
    {
        var values = Enumerable.Range(0, 3000).Select(i => i * 0.01f).ToArray();
        values[2345] = 1e5f;
        var wide = CheckpointHandle.Open(SafetensorsFiles.WriteF32(_folder.Combine("wide"), [new TensorValues("model.norm.weight", values)]));

        var onGpu = Assert.Throws<PlanException>(() => Export(wide, new ExportOptions { Accelerator = device.Gpu, DType = DType.F16 }));
        var onCpu = Assert.Throws<PlanException>(() => Export(wide, new ExportOptions { Device = ComputeDevice.Cpu, DType = DType.F16 }));

        Assert.Equal("NonFiniteOutput", onGpu.ErrorId);
        Assert.Equal("NonFiniteOutput", onCpu.ErrorId);
        Assert.Contains("element 2345 is written as +Inf", onGpu.Message);
        Assert.Contains("element 2345 is 100000, written as +Inf", onCpu.Message);
    }

    /// <summary>
    /// nuslerp of the whole tensor, row by row along the last axis (rows of 256 and 384, some
    /// across grid chunks), or by vectors along the first axis (row-wise, strided across the
    /// tensor): of the fine-tunes themselves, or of their task vectors with the base added back.
    /// </summary>
    [Theory]
    [InlineData(false, true, false, null)]
    [InlineData(true, true, false, null)]
    [InlineData(true, true, false, 3_000_000L)]
    [InlineData(true, false, false, null)]
    [InlineData(false, false, false, 3_000_000L)]
    [InlineData(true, false, true, null)]
    [InlineData(false, false, true, 3_000_000L)]
    public void Nuslerp_on_the_gpu_writes_the_cpu_bytes(bool overBase, bool flatten, bool rowWise, long? budget)
    {
        var models = new GeneratedLlamaSet(_folder.Combine("wide"), GeneratedLlamas.Wide);
        var merged = MethodMerge.Build(new MergeRequest(MergeMethods.Find("nuslerp")!,
            [MergeInput.Of(models.FineTunes[0], Weight(0.7)), MergeInput.Of(models.FineTunes[1], Weight(0.4))])
        {
            Base = overBase ? models.Base : null,
            Settings = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase)
            {
                ["nuslerp_flatten"] = ParameterSetting.Of(flatten ? 1 : 0), ["nuslerp_row_wise"] = ParameterSetting.Of(rowWise ? 1 : 0),
            },
        });

        AssertTheGpuWritesTheCpuBytes(merged, budget);
    }

    /// <summary>
    /// Model stock with filter_wise: a ratio per row along the last axis from that row's Gram sums
    /// (rows across grid chunks among them), whole and in pieces; some ratios fall outside [0, 1]
    /// and both devices warn alike.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData(3_000_000L)]
    public void Filter_wise_model_stock_on_the_gpu_writes_the_cpu_bytes_and_warnings(long? budget)
    {
        var models = new GeneratedLlamaSet(_folder.Combine("wide"), GeneratedLlamas.Wide);
        var merged = MethodMerge.Build(new MergeRequest(MergeMethods.Find("model_stock")!, [.. models.FineTunes.Select(f => MergeInput.Of(f))])
        {
            Base = models.Base,
            Settings = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase) { ["filter_wise"] = ParameterSetting.Of(1) },
        });

        var warnings = AssertTheGpuWritesTheCpuBytes(merged, budget);

        Assert.Contains(warnings, w => w.Contains(" rows (from ", StringComparison.Ordinal));
    }

    /// <summary>
    /// nearswap with t the median distance between base and fine-tune in one tensor: about half
    /// the elements take the fine-tune's value, the rest move exactly t towards it.
    /// </summary>
    [Fact]
    public void Nearswap_on_the_gpu_writes_the_cpu_bytes()
    {
        var models = new GeneratedLlamaSet(_folder.Combine("wide"), GeneratedLlamas.Wide);
        const string name = "model.layers.0.mlp.up_proj.weight";
        var distances = models.BaseValues[name].Zip(models.FineTuneValues[0][name], (a, b) => Math.Abs((double)a - b)).Order().ToArray();
        double t = distances[distances.Length / 2];
        Assert.True(t > 0);
        var merged = MethodMerge.Build(new MergeRequest(MergeMethods.Find("nearswap")!, [MergeInput.Of(models.FineTunes[0])])
        {
            Base = models.Base,
            Settings = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase) { ["t"] = ParameterSetting.Of(t) },
        });

        AssertTheGpuWritesTheCpuBytes(merged);
    }

    /// <summary>
    /// multislerp (over the base: task vectors, the base added back) and karcher (the base one more
    /// input): the Gram matrix on the device, the method's own coefficients, one combination.
    /// </summary>
    [Theory]
    [InlineData("multislerp", true, null)]
    [InlineData("multislerp", false, null)]
    [InlineData("multislerp", true, 3_000_000L)]
    [InlineData("karcher", true, null)]
    [InlineData("karcher", false, 3_000_000L)]
    public void Gram_matrix_methods_on_the_gpu_write_the_cpu_bytes(string method, bool withBase, long? budget)
    {
        var models = new GeneratedLlamaSet(_folder.Combine("wide"), GeneratedLlamas.Wide);
        var merged = MethodMerge.Build(new MergeRequest(MergeMethods.Find(method)!,
            [MergeInput.Of(models.FineTunes[0], Weight(0.7)), MergeInput.Of(models.FineTunes[1], Weight(0.4))])
        {
            Base = withBase ? models.Base : null,
        });

        AssertTheGpuWritesTheCpuBytes(merged, budget);
    }

    /// <summary>
    /// SCE: without selection, with a top-k of the per-element variances (its cut across grid
    /// chunks and, in pieces, across pieces), and with a selection that keeps nothing (the base).
    /// </summary>
    [Theory]
    [InlineData(1.0, null)]
    [InlineData(0.3, null)]
    [InlineData(0.3, 3_000_000L)]
    [InlineData(1.0, 3_000_000L)]
    [InlineData(0.0, null)]
    public void Sce_on_the_gpu_writes_the_cpu_bytes(double selectTopK, long? budget)
    {
        var models = new GeneratedLlamaSet(_folder.Combine("wide"), GeneratedLlamas.Wide);
        var merged = MethodMerge.Build(new MergeRequest(MergeMethods.Find("sce")!, [.. models.FineTunes.Select(f => MergeInput.Of(f))])
        {
            Base = models.Base,
            Settings = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase) { ["select_topk"] = ParameterSetting.Of(selectTopK) },
        });

        AssertTheGpuWritesTheCpuBytes(merged, budget);
    }

    /// <summary>
    /// ram and ramplus_tl with ε the median |τ| of one tensor, so values are active alone, together
    /// and not at all; ramplus_tl's counts over the whole tensor, also in pieces.
    /// </summary>
    [Theory]
    [InlineData("ram", null)]
    [InlineData("ramplus_tl", null)]
    [InlineData("ramplus_tl", 3_000_000L)]
    public void Reinforced_agent_merging_on_the_gpu_writes_the_cpu_bytes(string method, long? budget)
    {
        var models = new GeneratedLlamaSet(_folder.Combine("wide"), GeneratedLlamas.Wide);
        const string name = "model.layers.0.mlp.up_proj.weight";
        var changes = models.BaseValues[name].Zip(models.FineTuneValues[0][name], (a, b) => Math.Abs((double)b - a)).Order().ToArray();
        var merged = MethodMerge.Build(new MergeRequest(MergeMethods.Find(method)!, [.. models.FineTunes.Select(f => MergeInput.Of(f))])
        {
            Base = models.Base,
            Settings = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase) { ["epsilon"] = ParameterSetting.Of(changes[changes.Length / 2]) },
        });

        AssertTheGpuWritesTheCpuBytes(merged, budget);
    }

    [Fact]
    public void Inputs_a_gram_method_refuses_are_refused_with_the_cpus_error()
    {
        // A model equal to the base has an all-zero task vector: with eps 0 it has no direction.
        var models = new GeneratedLlamaSet(_folder.Combine("tiny"), LlamaShape.Tiny);
        var merged = MethodMerge.Build(new MergeRequest(MergeMethods.Find("multislerp")!,
            [MergeInput.Of(models.FineTunes[0], Weight(0.5)), MergeInput.Of(models.Base, Weight(0.5))])
        {
            Base = models.Base,
            Settings = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase) { ["eps"] = ParameterSetting.Of(0) },
        });

        var onGpu = Assert.ThrowsAny<Exception>(() => Export(merged, new ExportOptions { Accelerator = device.Gpu }));
        var onCpu = Assert.ThrowsAny<Exception>(() => Export(merged, new ExportOptions { Device = ComputeDevice.Cpu }));

        Assert.Equal(onCpu.GetType(), onGpu.GetType());
        Assert.Equal(onCpu.Message, onGpu.Message);
        Assert.Contains("direction is undefined", onGpu.Message);
    }

    private static Dictionary<string, ParameterSetting> Weight(double weight) =>
        new(StringComparer.OrdinalIgnoreCase) { ["weight"] = ParameterSetting.Of(weight) };

    [Fact]
    public void A_method_without_device_kernels_is_computed_by_the_cpu_with_the_same_bytes()
    {
        // arcee_fusion's row divergences need exp and log, which the device does not round as .NET does.
        var models = new[] { "a", "b" }.Select(Generate).Select(CheckpointHandle.Open).ToArray();
        var merged = MethodMerge.Build(new MergeRequest(MergeMethods.Find("arcee_fusion")!, [MergeInput.Of(models[1])]) { Base = models[0] });

        AssertTheGpuWritesTheCpuBytes(merged, computed: 0);
    }

    [Fact]
    public void A_cpu_export_says_so_and_never_touches_a_gpu()
    {
        var checkpoint = CheckpointHandle.Open(Generate("model"));

        var (_, said) = Export(checkpoint, new ExportOptions { DType = DType.F32, Device = ComputeDevice.Cpu });

        Assert.Contains("Computing on the CPU, as asked.", said);
        Assert.DoesNotContain(said, line => line.StartsWith("The GPU computed", StringComparison.Ordinal));
    }
}
