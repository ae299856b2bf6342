using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace ModelMerge.PipelineTests.Support;

/// <summary>A real PowerShell engine with the built module imported, working in one folder.</summary>
public sealed class PowerShellSession : IDisposable
{
    private readonly Runspace _runspace;

    public PowerShellSession(string workingFolder)
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(ModulePath);
        _runspace = RunspaceFactory.CreateRunspace(state);
        _runspace.Open();
        _runspace.SessionStateProxy.Path.SetLocation(workingFolder);
    }

    /// <summary>The manifest the module project copies next to this test assembly.</summary>
    public static string ModulePath => Path.Combine(AppContext.BaseDirectory, "ModelMerge.psd1");

    public sealed record Result(Collection<PSObject> Output, IReadOnlyList<ErrorRecord> Errors, IReadOnlyList<ProgressRecord> Progress,
        IReadOnlyList<string> Verbose);

    /// <summary>Runs script text as a user would type it; terminating errors are returned, not thrown.</summary>
    public Result Run(string script, IDictionary<string, object>? variables = null)
    {
        using var shell = PowerShell.Create(_runspace);
        if (variables is not null)
            foreach (var (name, value) in variables) _runspace.SessionStateProxy.SetVariable(name, value);
        shell.AddScript(script);
        Collection<PSObject> output;
        var errors = new List<ErrorRecord>();
        try
        {
            output = shell.Invoke();
        }
        catch (RuntimeException ex)
        {
            output = [];
            errors.Add(ex.ErrorRecord);
        }
        errors.InsertRange(0, shell.Streams.Error);
        return new Result(output, errors, [.. shell.Streams.Progress], shell.Streams.Verbose.Select(v => v.Message).ToList());
    }

    /// <summary>Runs a script file with named parameters, the way a runbook is invoked.</summary>
    public Result RunFile(string path, IDictionary<string, object> parameters)
    {
        using var shell = PowerShell.Create(_runspace);
        shell.AddCommand(path);
        foreach (var (name, value) in parameters) shell.AddParameter(name, value);
        var output = shell.Invoke();
        return new Result(output, [.. shell.Streams.Error], [.. shell.Streams.Progress], shell.Streams.Verbose.Select(v => v.Message).ToList());
    }

    public PowerShell CreateShell() => PowerShell.Create(_runspace);

    public void Dispose() => _runspace.Dispose();
}
