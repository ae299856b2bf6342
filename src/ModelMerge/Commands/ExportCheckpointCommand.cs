using System.Management.Automation;
using ModelMerge.Commands.Infrastructure;
using ModelMerge.Formats;
using ModelMerge.Methods;
using ModelMerge.Plans.Devices;
using ModelMerge.Plans.Export;
using ModelMerge.Plans.Handles;

namespace ModelMerge.Commands;

/// <summary>
/// <para type="synopsis">Computes a checkpoint handle and writes it as a Hugging Face folder.</para>
/// <para type="description">Executes the pipeline's plan tensor by tensor into safetensors shards (with an index when
/// there is more than one), copies config.json (with the output dtype), generation_config.json and tokenizer files from
/// the base model, and moves the folder into place only when complete: an interrupted export leaves no folder that
/// looks finished. Inputs are never modified; an existing output needs -Force. Every floating-point tensor the export
/// reads is tested for NaN and infinity as it is read: by default the first one stops the export with a NonFiniteInput
/// error naming the file, the tensor, the element and its value, and nothing is written; -AllowNonFinite merges such
/// values as they are and warns once per input tensor with their count.</para>
/// </summary>
/// <example><code>... | Export-Checkpoint ./merged -DType bf16 -MaxShardSize 2GB</code></example>
/// <example><code>Get-Checkpoint ./suspect | Export-Checkpoint ./copy -AllowNonFinite -WarningVariable found; $found.Count</code></example>
[Cmdlet(VerbsData.Export, "Checkpoint", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CheckpointHandle))]
public sealed class ExportCheckpointCommand : PSCmdlet
{
    private const int ProgressActivityId = 4107;
    private readonly CancellationTokenSource _stop = new();
    private CheckpointHandle? _input;
    private SignalStop? _signals;

    /// <summary>The output folder.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The checkpoint to write: a merged or stored handle, or the path of a stored one (to copy or convert it).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [CheckpointArgument]
    public CheckpointHandle InputObject { get; set; } = null!;

    /// <summary>Type of the floating-point tensors: BF16, F16 or F32. Default: each tensor's type in the base model.</summary>
    [Parameter]
    [ValidateSet("BF16", "F16", "F32", "bfloat16", "float16", "float32", IgnoreCase = true)]
    public string? DType { get; set; }

    /// <summary>Largest shard file: bytes, or a size such as 5GB (the default, 5·10^9 bytes), 500MB, 2GiB.</summary>
    [Parameter]
    [ByteSize]
    [ValidateRange(1L, long.MaxValue)]
    public long MaxShardSize { get; set; } = Formats.Safetensors.ShardPlan.DefaultMaxShardBytes;

    /// <summary>
    /// Replace an existing output folder, only if it is an earlier export: a checkpoint (model.safetensors, or shards and
    /// their index) with the files an export writes beside it, or an empty folder. Anything else there, a file, a link,
    /// the current location or a folder holding it is refused with OutputNotReplaceable. -WhatIf lists what would be deleted.
    /// </summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Cores to compute on. Default: all.</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; }

    /// <summary>Leave out README.md (the model card) and mergekit_config.yml, which a merged checkpoint otherwise gets.</summary>
    [Parameter]
    public SwitchParameter NoModelCard { get; set; }

    /// <summary>
    /// Merge NaN and infinite input values as they are instead of refusing the export: the merged values they touch
    /// become NaN or infinite too. One warning per input tensor that holds any gives the file, the tensor, how many
    /// are NaN and how many infinite, and where the first is.
    /// </summary>
    [Parameter]
    public SwitchParameter AllowNonFinite { get; set; }

    /// <summary>
    /// Where to compute: Auto (the default) uses the first CUDA GPU that ILGPU finds and the CPU when there is none; Cpu
    /// always computes on the CPU; Cuda requires a GPU and stops with DeviceUnavailable without one. Without -Device, the
    /// session's $ModelMergeDevice decides when it is set. The output is the same either way: tensors whose plan has no
    /// GPU kernels (arcee_fusion) are computed by the CPU, and tensors larger than device
    /// memory are computed on the GPU in pieces. -Verbose says which device and why. A merge cmdlet's -Device applies
    /// when this one is not given, before $ModelMergeDevice.
    /// </summary>
    [Parameter]
    public ComputeDevice Device { get; set; }

    /// <summary>Emit a handle to the written checkpoint.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (_input is not null)
        {
            ThrowTerminatingError(Errors.InvalidInput("MultipleCheckpoints",
                $"Export-Checkpoint writes one checkpoint to '{Path}' but received a second ('{InputObject.Name}'); merge them first or export each to its own folder.", InputObject));
        }
        _input = InputObject;
    }

    protected override void EndProcessing()
    {
        if (_input is null) return;
        string target = CheckpointResolver.ProviderPath(SessionState, Path);
        var options = new ExportOptions
        {
            DType = DType is null ? null : DTypeInfo.TryParseUserName(DType, out var d) ? d : null,
            MaxShardBytes = MaxShardSize,
            Force = Force,
            WorkingFolder = SessionState.Path.CurrentFileSystemLocation.ProviderPath,
            ThrottleLimit = ThrottleLimit,
            ModelCard = !NoModelCard,
            AllowNonFinite = AllowNonFinite,
            Device = ChosenDevice(),
        };
        try
        {
            OutputTarget.Validate(_input, target, Force, options.WorkingFolder);
        }
        catch (Plans.PlanException ex)
        {
            ThrowTerminatingError(Errors.From(ex, target));
        }

        string? replacing = Force ? OutputTarget.Replacement(target, options.WorkingFolder) : null;
        string action = $"Write {_input.Name} ({_input.TensorCount} tensors, {_input.ParameterCount:N0} parameters)" + (replacing is null ? "" : ", " + replacing);
        if (!ShouldProcess(target, action)) return;

        var result = Run(_input, target, options);
        if (result is not null && PassThru) WriteObject(CheckpointHandle.Open(result.Path));
    }

    private ExportResult? Run(CheckpointHandle input, string target, ExportOptions options)
    {
        void Progress(ExportProgress p)
        {
            int percent = p.TotalBytes == 0 ? 100 : (int)(100 * p.BytesDone / p.TotalBytes);
            WriteProgress(new ProgressRecord(ProgressActivityId, $"Exporting {input.Name} to {target}",
                $"Tensor {p.TensorIndex + 1} of {p.TensorCount}: {p.Tensor} ({p.BytesDone / 1e6:N0} of {p.TotalBytes / 1e6:N0} MB written)")
            {
                PercentComplete = Math.Clamp(percent, 0, 100),
            });
        }

        using var signals = _signals = SignalStop.Register(_stop);
        try
        {
            // The exporter reports progress and verbose text on this, the pipeline's, thread.
            var result = CheckpointExporter.Export(input, target, options, Progress, WriteVerbose, _stop.Token, WriteWarning);
            WriteProgress(new ProgressRecord(ProgressActivityId, $"Exporting {input.Name} to {target}", "Done") { RecordType = ProgressRecordType.Completed });
            return result;
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Formats.CheckpointFormatException ex)
        {
            // The input file at fault is the target here (NonFiniteInput, a shard that changed), not the output folder.
            ThrowTerminatingError(Errors.From(ex));
            return null;
        }
        catch (Exception ex) when (ex is Plans.PlanException or MergeException or IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(Errors.From(ex, target));
            return null;
        }
        finally
        {
            // After the staging folder is gone: a TERM, HUP or (unless the host stopped us) INT ends the process here.
            signals?.EndIfSignalled();
        }
    }

    /// <summary>The session-wide default every export uses unless it names a device: $ModelMergeDevice = 'Cpu'.</summary>
    public const string DevicePreferenceVariable = "ModelMergeDevice";

    private ComputeDevice ChosenDevice()
    {
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Device))) return Device;
        if (_input?.Device is ComputeDevice fromMerge) return fromMerge;
        object? preference = SessionState.PSVariable.GetValue(DevicePreferenceVariable);
        if (preference is null) return ComputeDevice.Auto;
        if (LanguagePrimitives.TryConvertTo(preference, out ComputeDevice device)) return device;
        ThrowTerminatingError(Errors.InvalidInput("InvalidDevicePreference",
            $"${DevicePreferenceVariable} is '{preference}', which is not a device; set it to Auto, Cpu or Cuda, or remove it.", preference));
        return ComputeDevice.Auto;
    }

    protected override void StopProcessing()
    {
        _signals?.HostStopped();
        _stop.Cancel();
    }
}
