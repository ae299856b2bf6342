using System.Buffers;
using System.Diagnostics;
using ModelMerge.Compute;
using ModelMerge.Formats;
using ModelMerge.Formats.Folders;
using ModelMerge.Formats.Numerics;
using ModelMerge.Formats.Safetensors;
using ModelMerge.Plans.Devices;
using ModelMerge.Plans.Graph;
using ModelMerge.Plans.Handles;

namespace ModelMerge.Plans.Export;

/// <summary>
/// Executes a checkpoint plan tensor by tensor into a Hugging Face folder. Values are
/// computed a block at a time on all cores while a writer thread appends the previous
/// blocks to the shard files, so memory holds a few blocks, never a model. The folder is
/// built beside the target and moved into place only when complete.
/// </summary>
public static class CheckpointExporter
{

    public static string ProducerVersion { get; } = "ModelMerge " + (typeof(CheckpointExporter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    public static IReadOnlyList<OutputTensor> OutputTensors(CheckpointHandle checkpoint, DType? dtype) =>
        checkpoint.Tensors.Select(t => new OutputTensor(t.Name, t.IsMergeable && dtype is DType d ? d : t.DType, t.Shape)).ToList();

    public static ExportResult Export(CheckpointHandle checkpoint, string target, ExportOptions options,
        Action<ExportProgress>? progress = null, Action<string>? verbose = null, CancellationToken cancellation = default, Action<string>? warn = null)
    {
        verbose ??= _ => { };
        var clock = Stopwatch.StartNew();
        string full = OutputTarget.Validate(checkpoint, target, options.Force, options.WorkingFolder);
        var companions = checkpoint.Donor.Folder is string donorFolder ? CompanionFiles.Read(donorFolder) : null;
        var dtype = options.DType ?? checkpoint.OutputDType;
        var outputs = OutputTensors(checkpoint, dtype);
        var plan = ShardPlan.Create(outputs, options.MaxShardBytes);
        var context = new PlanContext(new ChunkRunner(options.ThrottleLimit, cancellation), warn, options.AllowNonFinite);
        var device = OpenDevice(options, verbose);
        verbose($"Exporting {checkpoint.Name} ({outputs.Count} tensors, {plan.TotalBytes:N0} bytes in {plan.Shards.Count} shard(s)) to {full}.");

        using var staging = OutputTarget.Stage(full, warn);
        CheckpointWriter? weights = null;
        string? writing = null;
        try
        {
            var metadata = new Dictionary<string, string>(checkpoint.Donor.Metadata, StringComparer.Ordinal) { ["format"] = "pt" };
            using (var writer = weights = new CheckpointWriter(staging.Path, plan, metadata, ProducerVersion))
            {
                using var blocks = new BlockWriter(writer, cancellation);
                var next = outputs.Count > 0 ? checkpoint.PlanFor(outputs[0].Name) : null;
                for (int i = 0; i < outputs.Count; i++)
                {
                    var output = outputs[i];
                    var current = next!;
                    next = i + 1 < outputs.Count ? checkpoint.PlanFor(outputs[i + 1].Name) : null;
                    if (next is not null) StoredInputs.ReadAhead(next);
                    progress?.Invoke(new ExportProgress(output.Name, i, outputs.Count, blocks.BytesWritten, plan.TotalBytes));
                    WriteTensor(current, output, blocks, context, device, options.BlockChunks * ChunkGrid.ChunkElements);
                    foreach (var report in context.NonFinite.TakeReports()) context.Warn(report);
                }
                blocks.Finish();
                writer.Complete();
            }
            // A file rewritten while it was read fed the merge bytes its header did not describe: refuse to commit.
            context.VerifyFilesRead();
            if (checkpoint.Donor.Folder is string donor)
            {
                writing = "the files copied from the base model (config.json, tokenizer files)";
                var copied = companions!.WriteInto(staging.Path, dtype, checkpoint.ConfigChanges);
                if (copied.Count > 0) verbose($"Copied {string.Join(", ", copied)} from {donor}.");
            }
            if (options.ModelCard && checkpoint.Summary is MergeSummary summary)
            {
                writing = "README.md";
                File.WriteAllText(Path.Combine(staging.Path, "README.md"), ModelCard.Write(checkpoint, Path.GetFileName(full)));
                // Community tools look for the recipe under exactly this name (§7.6).
                writing = "mergekit_config.yml";
                if (summary.RecipeText is string recipe) File.WriteAllText(Path.Combine(staging.Path, "mergekit_config.yml"), recipe);
                verbose(summary.RecipeText is null ? "Wrote README.md (model card)." : "Wrote README.md (model card) and mergekit_config.yml.");
            }
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            string file = FileNamed(ex, staging.Path) ?? writing ?? weights?.CurrentFile ?? "the weights";
            // Removes the staging folder before the message is written, so it says what is really left.
            throw OutputTarget.WriteFailure(ex, full, plan.TotalBytes, file, staging);
        }
        if (device is not null) verbose($"The GPU computed {device.Computed} of {outputs.Count} tensors; the CPU copied or computed the rest.");
        OutputTarget.Commit(staging, options.Force, warn);
        progress?.Invoke(new ExportProgress("", outputs.Count, outputs.Count, plan.TotalBytes, plan.TotalBytes));
        verbose($"Wrote {full} in {clock.Elapsed.TotalSeconds:F2} s.");
        return new ExportResult(full, outputs.Count, plan.Shards.Count, plan.TotalBytes, clock.Elapsed);
    }

    /// <summary>The file inside the staging folder that the system's message names, if it names one.</summary>
    private static string? FileNamed(IOException failure, string staging)
    {
        string prefix = staging + Path.DirectorySeparatorChar;
        int at = failure.Message.IndexOf(prefix, StringComparison.Ordinal);
        if (at < 0) return null;
        string rest = failure.Message[(at + prefix.Length)..];
        int end = rest.IndexOf('\'');
        return end > 0 ? rest[..end] : null;
    }

    /// <summary>The GPU executor the export computes with, or null for the CPU; says which and why.</summary>
    private static GpuTensorExecutor? OpenDevice(ExportOptions options, Action<string> verbose)
    {
        if (options.Accelerator is { } given)
        {
            verbose($"Computing on {given.Description}, as given.");
            return new GpuTensorExecutor(given, options.DeviceMemoryBudget);
        }
        var gpu = DeviceSession.Resolve(options.Device, out string reason);
        verbose(reason);
        return gpu is null ? null : new GpuTensorExecutor(gpu, options.DeviceMemoryBudget);
    }

    private static void WriteTensor(ITensorPlan plan, OutputTensor output, BlockWriter blocks, PlanContext context, GpuTensorExecutor? device,
        int blockElements)
    {
        blocks.BeginTensor(output.Name);
        if (plan.StoredSource is TensorInfo stored && stored.DType == output.DType)
        {
            context.Read(stored);
            CopyStored(stored, blocks, context.NonFinite);
            return;
        }
        if (!output.DType.IsMergeable())
            throw new InvalidOperationException($"tensor '{output.Name}' of type {output.DType} must be copied unchanged, but its plan computes it.");
        // With -AllowNonFinite, NaN and ±∞ are written as they come; otherwise every computed block is checked before it is queued.
        var overflow = context.NonFinite.Allowed ? null : new NonFiniteOutput(output);
        int size = output.DType.SizeOf();
        if (device is not null)
        {
            long written = 0;
            void Checked(byte[] bytes, int length)
            {
                if (overflow is not null && !NonFiniteElements.AllFinite(output.DType, bytes.AsSpan(0, length)))
                {
                    overflow.Found(written / size, bytes.AsSpan(0, length));
                    blocks.Return(bytes);
                    overflow.ThrowIfFound();
                }
                written += length;
                blocks.Enqueue(bytes, length);
            }
            if (device.TryWrite(plan, output, context, blocks.Rent, Checked, blockElements * sizeof(ushort))) return;
        }

        using var prepared = plan.Prepare(output.Name, context);
        long length = prepared.Length;
        for (long blockStart = 0; blockStart < length; blockStart += blockElements)
        {
            int blockLength = (int)Math.Min(blockElements, length - blockStart);
            var bytes = blocks.Rent(blockLength * size);
            try
            {
                long firstChunk = blockStart / ChunkGrid.ChunkElements;
                context.Runner.ForEachChunk(length, firstChunk, ChunkGrid.ChunkCount(blockLength), (_, start, count) =>
                {
                    var values = ArrayPool<float>.Shared.Rent(count);
                    try
                    {
                        var computed = values.AsSpan(0, count);
                        var chunkBytes = bytes.AsSpan((int)(start - blockStart) * size, count * size);
                        prepared.Read(start, computed);
                        if (!ElementConversion.FromSingle(output.DType, computed, chunkBytes)) overflow?.Found(start, chunkBytes, computed);
                    }
                    finally { ArrayPool<float>.Shared.Return(values); }
                });
                overflow?.ThrowIfFound();
            }
            catch
            {
                blocks.Return(bytes);
                throw;
            }
            blocks.Enqueue(bytes, blockLength * size);
        }
    }

    /// <summary>
    /// Copies a tensor byte for byte, testing a float one for NaN and ±∞ in the block it was read
    /// into (no widening). Buffers computed from the config are exempt: an attention-mask constant
    /// may be −∞ by design, and no merge reads it.
    /// </summary>
    private static void CopyStored(TensorInfo stored, BlockWriter blocks, NonFiniteInputs nonFinite)
    {
        using var reader = TensorReader.Open(stored);
        bool tested = NonFiniteElements.AreTested(stored.DType) && !TensorRoles.IsBuffer(stored.Name);
        int size = stored.DType.SizeOf();
        // The size of a computed bf16 block, so copied and computed tensors share the writer's blocks.
        const int blockBytes = 8 << 20;
        for (long offset = 0; offset < stored.ByteLength; offset += blockBytes)
        {
            int length = (int)Math.Min(blockBytes, stored.ByteLength - offset);
            var bytes = blocks.Rent(length);
            try
            {
                reader.ReadAhead((offset + length) / size, (offset + 2L * blockBytes) / size);
                reader.Read(offset, bytes.AsSpan(0, length));
                if (tested && !NonFiniteElements.AllFinite(stored.DType, bytes.AsSpan(0, length))) nonFinite.Found(reader, offset / size, length / size);
            }
            catch
            {
                blocks.Return(bytes);
                throw;
            }
            blocks.Enqueue(bytes, length);
        }
    }
}
