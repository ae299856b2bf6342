using System.Management.Automation;
using ModelMerge.Commands.Infrastructure;
using ModelMerge.Formats.Recipes;
using ModelMerge.Methods;
using ModelMerge.Plans.Handles;
using ModelMerge.Plans.Recipes;

namespace ModelMerge.Commands;

/// <summary>
/// <para type="synopsis">Runs a mergekit YAML recipe, as it is, and returns the merged checkpoint (lazy: pipe it to Export-Checkpoint).</para>
/// <para type="description">Reads the recipe (merge_method, base_model, models or slices, parameters at every level with filters and
/// gradients, dtype and out_dtype) with mergekit's meaning and defaults, opens the models it names — paths relative to the current
/// location — and plans the merge without reading any tensor data. The export writes the recipe verbatim as mergekit_config.yml next
/// to the weights. Parameters the method does not read are warnings (-Strict makes them errors). What ModelMerge does not do yet —
/// LoRA references (model+adapter), building tokenizers, chat templates, modules — is refused with the line it is on.</para>
/// </summary>
/// <example><code>Invoke-MergeRecipe ./ties.yml | Export-Checkpoint ./merged</code></example>
/// <example><code>Get-Content ./slerp.yml -Raw | Invoke-MergeRecipe | Export-Checkpoint ./merged -DType bf16</code></example>
[Cmdlet(VerbsLifecycle.Invoke, "MergeRecipe", DefaultParameterSetName = "Path")]
[OutputType(typeof(CheckpointHandle))]
public sealed class InvokeMergeRecipeCommand : MergeCommand
{
    /// <summary>The recipe file.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Path")]
    [Alias("FullName")]
    public string Path { get; set; } = "";

    /// <summary>The recipe's text, e.g. from Get-Content -Raw or a here-string.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "Text")]
    public string Recipe { get; set; } = "";

    /// <summary>Keys the random masks of dare_* and della* (mergekit recipes have no seed). Default 0.</summary>
    [Parameter]
    public ulong Seed { get; set; }

    /// <summary>Refuse keys and parameters the recipe's method does not read, instead of warning about them.</summary>
    [Parameter]
    public SwitchParameter Strict { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var recipe = ParameterSetName == "Path"
                ? MergeRecipe.Load(CheckpointResolver.ProviderPath(SessionState, Path), Strict)
                : MergeRecipe.Parse(Recipe, null, Strict);
            var merged = RecipePlan.Build(recipe, path => CheckpointResolver.Resolve(SessionState, path), Seed, Strict, WriteWarning);
            WriteVerbose($"Planned {merged.Description}.");
            WriteMerged(merged);
        }
        catch (Exception ex) when (ex is RecipeException or Plans.PlanException or MergeException or Formats.CheckpointFormatException or IOException or ArgumentException)
        {
            ThrowTerminatingError(Errors.From(ex, ParameterSetName == "Path" ? Path : null));
        }
    }
}
