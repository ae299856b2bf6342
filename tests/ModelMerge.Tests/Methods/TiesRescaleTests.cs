using ModelMerge.Methods;
using ModelMerge.Plans.Handles;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>
/// merge-semantics §4.1 step 3 and §4.2: every sparsifier, the magnitude trim included, is
/// followed by the rescale step when rescale is on (mergekit's magnitude() ends in
/// rescaled_masked_tensor). ties defaults to rescale off, but a recipe may turn it on.
/// </summary>
public sealed class TiesRescaleTests
{
    [Fact]
    public void Ties_with_l1_rescale_scales_each_trimmed_vector_back_to_its_own_l1_norm()
    {
        using var family = new FamilyFCheckpoints();
        float[][] taus = [FamilyF.Tau1, FamilyF.Tau2, FamilyF.Tau3];
        float[][] trimmed = [FamilyF.Trimmed1, FamilyF.Trimmed2, FamilyF.Trimmed3];
        // Factors 0.82/0.72, 0.60/0.48 and 0.68/0.59.
        var rescaled = trimmed.Select((kept, i) =>
        {
            double factor = taus[i].Sum(t => Math.Abs((double)t)) / kept.Sum(t => Math.Abs((double)t));
            return kept.Select(t => t * factor).ToArray();
        }).ToList();
        var (delta, _) = MergeReference.Consensus(rescaled, [1.0, 0.5, 0.8], SignRule.Sum, normalize: true, lambda: 1);

        var merged = TaskArithmeticMerge.Build(TaskArithmeticMethod.Ties, family.TaskVectors(),
            new TaskArithmeticOptions { Density = [0.5], Rescale = Rescale.L1 });

        // [0.673333, -0.05, -0.1, 0.426582, 0.558333, -0.5]; without the rescale it would be §4.3's ties row.
        WorkedExample.AssertClose(MergeReference.Add(FamilyF.Base, delta), family.ExportAndRead(merged));
    }
}
