using ModelMerge.Compute;
using ModelMerge.PipelineTests.Support;
using ModelMerge.TestData;

namespace ModelMerge.PipelineTests;

/// <summary>
/// The Foundation build (commit d5b9050) is the numeric reference: no speed-up or rework since may
/// change a byte of the weights its pipelines write. Its outputs are recorded, as digests, in
/// tests/foundation/foundation-digests.txt by tests/foundation/Record-FoundationDigests.ps1, which
/// builds that commit and runs the same pipelines on the same generated inputs; the script says why
/// they are recorded rather than computed and how to re-record (only after changing the inputs, the
/// cases or the generator). Compared: every weight file whole (header and data) and every tensor's
/// data; config.json and the model card (added after the Foundation) are not weights.
/// </summary>
public sealed class FoundationIdentityTests(FoundationInputs inputs) : IClassFixture<FoundationInputs>
{
    public static TheoryData<string> Cases() => new(FoundationRecord.Load().Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Weights_are_byte_identical_to_what_the_foundation_build_wrote(string name)
    {
        Assert.True(inputs.InputDifferences.Count == 0,
            "the generated inputs are not the ones the Foundation merged (see Generated_inputs_are_the_recorded_ones); re-record the digests");
        var recorded = inputs.Record.Cases.Single(c => c.Name == name);
        string output = Path.Combine(inputs.Root, "out", name);

        var result = inputs.Session.Run(recorded.Pipeline, new Dictionary<string, object> { ["Output"] = output });
        Assert.Empty(result.Errors);

        var differences = WeightDigests.Differences(recorded.Weights, WeightDigests.Of(output));
        Directory.Delete(output, recursive: true);
        string foundation = $"the Foundation's ({inputs.Record.Commit[..7]})";
        string verdict = differences.All(d => d.StartsWith("file ", StringComparison.Ordinal))
            ? $"every tensor holds {foundation} bytes, but a header or the index differs"
            : $"tensors differ from {foundation}";
        Assert.True(differences.Count == 0, $"{name}: {recorded.Pipeline}\n{verdict}:\n  " + string.Join("\n  ", differences));
    }

    [Fact]
    public void Generated_inputs_are_the_recorded_ones()
    {
        Assert.True(inputs.InputDifferences.Count == 0,
            "the test-data generator no longer writes the inputs the Foundation merged; if that change is intended, re-record "
            + "with tests/foundation/Record-FoundationDigests.ps1:\n  " + string.Join("\n  ", inputs.InputDifferences));
    }

    /// <summary>A record trimmed by accident would pass the comparisons while checking less.</summary>
    [Fact]
    public void The_record_covers_the_foundation_cmdlets_and_the_chunked_top_k_paths()
    {
        var pipelines = inputs.Record.Cases.Select(c => c.Pipeline).ToList();
        string[] required =
        [
            "Invoke-TiesMerge -Density 0.2 |", "Invoke-DareDrop", "Invoke-TaskArithmetic", "Invoke-LinearMerge",
            "Invoke-Merge ties", "Invoke-Merge dare_linear", "Invoke-Merge dare_ties", "Invoke-Merge task_arithmetic",
            "-SignRule Count", "-Rescale Inverse", "-Rescale None", "-Rescale L1", "-Normalize:$false", "-Negate", "-Weight",
            "-DType F16", "-DType F32", "-DType BF16", "-MaxShardSize",
        ];
        foreach (var part in required) Assert.Contains(pipelines, p => p.Contains(part, StringComparison.Ordinal));

        var models = inputs.Record.Inputs.Select(i => i.Model).ToList();
        Assert.Contains(models, m => m.DType == Formats.DType.F16);
        Assert.Contains(models, m => m.DType == Formats.DType.F32 && m.MaxShardBytes < 1_000_000);
        Assert.Contains(models, m => m.IntegerBuffer);
        var chunks = models.SelectMany(m => m.Shape.Tensors())
            .Select(t => ChunkGrid.ChunkCount(t.Shape.Aggregate(1L, (a, b) => a * b))).ToList();
        // TIES samples every sixteenth chunk of tensors with at least 32 (MagnitudeWindow.MinimumChunks)
        // and searches smaller ones exactly in two passes; both must be in the record.
        Assert.Contains(chunks, c => c >= 32);
        Assert.Contains(chunks, c => c is > 1 and < 32);
    }
}

/// <summary>The record's inputs, generated once for the class, and one engine to run its pipelines in.</summary>
public sealed class FoundationInputs : IDisposable
{
    public FoundationInputs()
    {
        Record = FoundationRecord.Load();
        Root = Path.Combine(Path.GetTempPath(), "mm-foundation-" + Guid.NewGuid().ToString("N")[..8]);
        var differences = new List<string>();
        foreach (var input in Record.Inputs)
        {
            string folder = LlamaCheckpointGenerator.Write(Path.Combine(Root, input.Name), input.Model);
            differences.AddRange(WeightDigests.Differences(input.Tensors, WeightDigests.Of(folder, tensorsOnly: true)).Select(d => $"{input.Name}: {d}"));
        }
        InputDifferences = differences;
        Session = new PowerShellSession(Root);
    }

    public FoundationRecord Record { get; }

    public string Root { get; }

    public IReadOnlyList<string> InputDifferences { get; }

    public PowerShellSession Session { get; }

    public void Dispose()
    {
        Session.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
