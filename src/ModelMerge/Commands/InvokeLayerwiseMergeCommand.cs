using System.Collections;
using System.Globalization;
using System.Management.Automation;
using ModelMerge.Commands.Infrastructure;
using ModelMerge.Formats;
using ModelMerge.Formats.Files;
using ModelMerge.Methods;
using ModelMerge.Plans.Handles;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Commands;

/// <summary>
/// <para type="synopsis">Per-layer task arithmetic: θ = θ_base + Σ_k C[ℓ, k]·τ_k with one coefficient per layer and task vector.</para>
/// <para type="description">The coefficient matrix has one row per layer and one column per task vector (the form evolutionary
/// merge searches produce). A tensor of layer ℓ uses row ℓ; tensors outside the layers (embeddings, final norm, lm_head) and
/// layers past the last row use each column's mean. Give the matrix as nested arrays (-Coefficient) or as a CSV file of
/// numbers, one row per layer (-CoefficientPath; a header line that is not numbers is skipped). The vectors' own weights
/// are replaced by the matrix.</para>
/// </summary>
/// <example><code>Get-Checkpoint ./base | Get-TaskVector ./math,./code | Invoke-LayerwiseMerge -Coefficient @(0.9, 0.1), @(0.5, 0.5), @(0.2, 0.8) | Export-Checkpoint ./out</code></example>
[Cmdlet(VerbsLifecycle.Invoke, "LayerwiseMerge", DefaultParameterSetName = "Matrix")]
[OutputType(typeof(CheckpointHandle))]
public sealed class InvokeLayerwiseMergeCommand : TaskVectorMergeCommand
{
    /// <summary>The coefficient matrix: one array per layer, each with one value per task vector.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Matrix")]
    public object[] Coefficient { get; set; } = [];

    /// <summary>A CSV file holding the matrix: one line per layer, one column per task vector.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "File")]
    public string CoefficientPath { get; set; } = "";

    protected override TaskArithmeticMethod Configure(Dictionary<string, ParameterSetting> settings, IReadOnlyList<Dictionary<string, ParameterSetting>> perVector)
    {
        var rows = ParameterSetName == "File" ? ReadCsv(CheckpointResolver.ProviderPath(SessionState, CoefficientPath)) : FromArrays(Coefficient);
        if (rows.Count == 0) ThrowTerminatingError(Errors.InvalidInput("ParameterInvalid", "the coefficient matrix has no rows; give one row per layer.", Coefficient));
        for (int layer = 0; layer < rows.Count; layer++)
            if (rows[layer].Length != perVector.Count)
                ThrowTerminatingError(Errors.InvalidInput("ParameterCountMismatch",
                    $"row {layer} of the coefficient matrix has {rows[layer].Length} values for {perVector.Count} task vectors; give one per vector.", rows[layer]));
        for (int k = 0; k < perVector.Count; k++) perVector[k]["weight"] = ParameterSetting.ByLayer(rows.Select(r => r[k]).ToList());
        settings["normalize"] = ParameterSetting.Of(false);
        WriteVerbose($"Coefficients for {rows.Count} layer(s) × {perVector.Count} task vector(s).");
        return TaskArithmeticMethod.TaskArithmetic;
    }

    private List<double[]> FromArrays(object[] rows)
    {
        var result = new List<double[]>();
        foreach (var row in rows)
        {
            object value = row is PSObject ps ? ps.BaseObject : row;
            var cells = value is IList list ? list.Cast<object?>() : [value];
            result.Add(cells.Select(c => Number(c is PSObject p ? p.BaseObject : c, $"row {result.Count}")).ToArray());
        }
        return result;
    }

    /// <summary>A coefficient table is a few numbers per layer; a larger file is not one.</summary>
    private const long MaxCoefficientFileBytes = 1 << 20;

    private List<double[]> ReadCsv(string path)
    {
        string text = "";
        try
        {
            text = RegularFile.ReadAllText(path, MaxCoefficientFileBytes, "a coefficient table");
        }
        catch (CheckpointFormatException ex)
        {
            ThrowTerminatingError(Errors.From(ex, path));
        }
        catch (FileNotFoundException)
        {
            ThrowTerminatingError(Errors.InvalidInput("CheckpointNotFound", $"the coefficient file '{path}' does not exist.", path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(Errors.InvalidInput("ParameterInvalid", $"the coefficient file '{path}' cannot be read ({ex.Message}).", path));
        }
        var rows = new List<double[]>();
        foreach (var (line, number) in text.Split('\n').Select((l, i) => (l.Trim(), i + 1)).Where(l => l.Item1.Length > 0))
        {
            var cells = line.Split(',').Select(c => c.Trim()).ToArray();
            bool numeric = cells.All(c => double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
            if (!numeric && rows.Count == 0 && number == 1) continue;
            rows.Add(cells.Select(c => Number(c, $"{path}:{number}")).ToArray());
        }
        return rows;
    }

    private double Number(object? value, string where)
    {
        try
        {
            return value is string s ? double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture) : Convert.ToDouble(value, CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException)
        {
            ThrowTerminatingError(Errors.InvalidInput("ParameterInvalid", $"'{value}' at {where} of the coefficient matrix is not a number.", value));
            return 0;
        }
    }
}
