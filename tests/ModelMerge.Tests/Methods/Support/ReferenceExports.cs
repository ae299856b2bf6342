using ModelMerge.Formats;
using ModelMerge.Plans.Export;
using ModelMerge.Plans.Handles;

namespace ModelMerge.Tests.Methods.Support;

/// <summary>What the float64 reference says one output tensor must be.</summary>
/// <param name="Alternative">Where not NaN, the output had the vote elected the other sign (see <see cref="MergeReference.Consensus"/>).</param>
/// <param name="TermScale">Per element, the magnitude of the terms summed into it (see <see cref="MergeReference.TermScale"/>).</param>
internal sealed record Expectation(double[] Expected, double[]? Alternative, double[] TermScale);

/// <summary>Exports a merge of <see cref="RandomCheckpoints"/> as F32 and as BF16 and holds every tensor to its reference.</summary>
internal static class ReferenceExports
{
    /// <summary>
    /// The combine runs in float64 and rounds once, so an output element errs only by that final
    /// rounding plus the float32 rounding of each task vector τ = θ_i − θ_b (exact unless θ_i and
    /// θ_b differ by more than a factor of two): one ulp of the term scale covers both.
    /// </summary>
    public const double Float32RoundingBudget = 1;

    /// <summary>Where no term cancels, every float32 result is within one ulp of the exact value.</summary>
    public const double Float32UlpsOfOutput = 1;

    /// <summary>
    /// Where no term cancels (|θ_b| ≥ 0.01 ≫ |Δ|), every bf16 result is within one bf16 ulp of the
    /// exact value, and every float32 result within <see cref="Float32UlpsOfOutput"/> ulp of it.
    /// </summary>
    public static void AssertWithinUlpsOfOutput(RandomCheckpoints checkpoints, CheckpointHandle merged, Func<string, Expectation> reference) =>
        Compare(checkpoints, merged, reference, strict: true);

    /// <summary>
    /// Wherever terms may cancel, float32 is held to <see cref="Float32RoundingBudget"/> ulps of the
    /// term scale, and bf16 to one bf16 ulp unless that float32 error is larger.
    /// </summary>
    public static void AssertWithinRoundingBudget(RandomCheckpoints checkpoints, CheckpointHandle merged, Func<string, Expectation> reference) =>
        Compare(checkpoints, merged, reference, strict: false);

    private static void Compare(RandomCheckpoints checkpoints, CheckpointHandle merged, Func<string, Expectation> reference, bool strict)
    {
        var asSingle = SafetensorsFiles.ReadSingles(CheckpointExporter.Export(merged, checkpoints.NewTarget(), new ExportOptions()).Path);
        var asBFloat16 = SafetensorsFiles.ReadBFloat16Bits(
            CheckpointExporter.Export(merged, checkpoints.NewTarget(), new ExportOptions { DType = DType.BF16 }).Path);

        foreach (string tensor in checkpoints.TensorNames)
        {
            var (expected, alternative, scale) = reference(tensor);
            if (strict)
            {
                ReferenceAssert.SingleWithinUlps(tensor, asSingle[tensor], expected, Float32UlpsOfOutput, alternative);
                ReferenceAssert.BFloat16WithinOneUlp(tensor, asBFloat16[tensor], expected, alternative);
            }
            else
            {
                ReferenceAssert.SingleWithinTermUlps(tensor, asSingle[tensor], expected, scale, Float32RoundingBudget, alternative);
                ReferenceAssert.BFloat16WithinOneUlp(tensor, asBFloat16[tensor], expected, alternative,
                    ReferenceAssert.Float32Error(scale, Float32RoundingBudget));
            }
        }
    }
}
