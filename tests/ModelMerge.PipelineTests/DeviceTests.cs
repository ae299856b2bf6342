using ModelMerge.Compute.Gpu;
using ModelMerge.PipelineTests.Support;

namespace ModelMerge.PipelineTests;

/// <summary>
/// -Device and $ModelMergeDevice as a user meets them. Where no CUDA device exists (CI), Auto
/// computes on the CPU and says why, and Cuda is an error that writes nothing; with a GPU, both
/// compute on it.
/// </summary>
public sealed class DeviceTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    private static readonly bool HasCuda = ProbeCuda();

    private static bool ProbeCuda()
    {
        using var gpu = GpuAccelerator.TryOpenCuda(out _);
        return gpu is not null;
    }

    private const string Merge = "Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-TiesMerge -Density 0.3";

    [Fact]
    public void Auto_says_which_device_it_chose_and_why()
    {
        using var session = new PowerShellSession(models.Root);

        var result = session.Run($"{Merge} | Export-Checkpoint ./auto -Verbose");

        Assert.Empty(result.Errors);
        Assert.Contains(result.Verbose, line => HasCuda
            ? line.StartsWith("Computing on the GPU: CUDA device", StringComparison.Ordinal) && line.EndsWith("(Auto chose it).", StringComparison.Ordinal)
            : line == "Computing on the CPU: ILGPU finds no CUDA device (no NVIDIA GPU, or no CUDA driver).");
    }

    [Fact]
    public void Cuda_without_a_device_is_an_error_naming_the_way_out_and_writes_nothing()
    {
        if (HasCuda) return;
        using var session = new PowerShellSession(models.Root);

        var result = session.Run($"{Merge} | Export-Checkpoint ./cuda -Device Cuda");

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("DeviceUnavailable,", error.FullyQualifiedErrorId);
        Assert.Contains("-Device Cpu", error.Exception.Message);
        Assert.False(Directory.Exists(models.Output("cuda")));
        Assert.Empty(models.StagingLeftovers());
    }

    [Fact]
    public void The_session_default_applies_until_a_command_names_its_own_device()
    {
        using var session = new PowerShellSession(models.Root);

        var byDefault = session.Run($"$ModelMergeDevice = 'Cpu'; {Merge} | Export-Checkpoint ./preferred -Verbose");
        var named = session.Run($"$ModelMergeDevice = 'Cpu'; {Merge} | Export-Checkpoint ./named -Device Auto -Verbose");

        Assert.Empty(byDefault.Errors);
        Assert.Contains("Computing on the CPU, as asked.", byDefault.Verbose);
        Assert.Empty(named.Errors);
        Assert.DoesNotContain("Computing on the CPU, as asked.", named.Verbose);
        Assert.Equal(File.ReadAllBytes(Path.Combine(models.Output("preferred"), "model.safetensors")),
            File.ReadAllBytes(Path.Combine(models.Output("named"), "model.safetensors")));
    }

    [Fact]
    public void A_merge_cmdlets_device_carries_to_its_export_unless_the_export_names_one()
    {
        using var session = new PowerShellSession(models.Root);

        var fromMerge = session.Run("$ModelMergeDevice = 'Cuda'; Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-TiesMerge -Device Cpu | Export-Checkpoint ./from-merge -Verbose");
        var exportWins = session.Run("Get-Checkpoint ./ft1,./ft2 | Invoke-Merge linear -Device Cuda | Export-Checkpoint ./export-wins -Device Cpu -Verbose");
        var handle = session.Run("(Get-Checkpoint ./ft1,./ft2 | Invoke-LinearMerge -Device Cpu).Device");

        Assert.Empty(fromMerge.Errors);
        Assert.Contains("Computing on the CPU, as asked.", fromMerge.Verbose);
        Assert.Empty(exportWins.Errors);
        Assert.Contains("Computing on the CPU, as asked.", exportWins.Verbose);
        Assert.Equal("Cpu", Assert.Single(handle.Output).ToString());
    }

    [Fact]
    public void A_session_default_that_is_not_a_device_is_refused_before_anything_is_written()
    {
        using var session = new PowerShellSession(models.Root);

        var result = session.Run($"$ModelMergeDevice = 'Tpu'; {Merge} | Export-Checkpoint ./bogus");

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("InvalidDevicePreference,", error.FullyQualifiedErrorId);
        Assert.Contains("'Tpu'", error.Exception.Message);
        Assert.False(Directory.Exists(models.Output("bogus")));
    }
}
