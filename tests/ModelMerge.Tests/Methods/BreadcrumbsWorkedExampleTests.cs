using ModelMerge.Compute;
using ModelMerge.Methods;
using ModelMerge.Plans.Export;
using ModelMerge.Plans.Handles;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>merge-semantics §4.5: example B1 (one ten-element τ, three settings) and example B2 (family F, d = 0.5, γ = 0.2).</summary>
public sealed class BreadcrumbsWorkedExampleTests
{
    private static readonly float[] B1Tau = [0.05f, -0.7f, 0.3f, -0.02f, 0.12f, -0.45f, 0.6f, 0.01f, -0.25f, 0.09f];

    /// <summary>d, γ, keep, top, bot (after moving a negative bot into top), kept τ.</summary>
    public static TheoryData<double, double, long, long, long, float[]> B1 => new()
    {
        { 0.6, 0.1, 6, 1, 3, [0, 0, 0.3f, 0, 0.12f, -0.45f, 0.6f, 0, -0.25f, 0.09f] },
        { 0.8, 0.3, 8, 2, 0, [0.05f, 0, 0.3f, -0.02f, 0.12f, -0.45f, 0, 0.01f, -0.25f, 0.09f] },
        // top = 0: ModelMerge keeps the large values (mergekit would zero the tensor, below).
        { 0.6, 0.01, 6, 0, 4, [0, -0.7f, 0.3f, 0, 0.12f, -0.45f, 0.6f, 0, -0.25f, 0] },
    };

    private static readonly float[] B2Kept1 = [0.24f, -0.06f, 0, 0.18f, 0, 0];
    private static readonly float[] B2Kept2 = [0.08f, 0, -0.16f, 0, 0.12f, 0];
    private static readonly float[] B2Kept3 = [0, 0, 0.09f, 0.22f, 0.05f, 0];

    private static readonly double[] B2Breadcrumbs = [0.68, -0.36, 0.092, 0.556, 1.0, -0.5];
    private static readonly double[] B2BreadcrumbsTies = [0.68, -0.36, 0.02, 0.556, 1.0, -0.5];

    private static float[] Trim(float[] tau, double density, double gamma, bool mergekitQuirks = false)
    {
        var values = (float[])tau.Clone();
        var trim = OutlierTrim.Create(new ArraySource(tau), density, gamma, Rescale.None, "w", new ChunkRunner(1), mergekitQuirks);
        Assert.NotNull(trim);
        trim.Apply(0, values);
        return values;
    }

    [Theory]
    [MemberData(nameof(B1))]
    public void B1_counts_and_kept_elements_match_the_table(double density, double gamma, long keep, long top, long bottom, float[] expected)
    {
        Assert.Equal((keep, top, bottom), OutlierTrim.Counts(density, gamma, B1Tau.Length, "w"));
        Assert.Equal(expected, Trim(B1Tau, density, gamma));
    }

    [Fact]
    public void B1_with_mergekits_quirk_zeroes_the_tensor_when_no_outlier_is_dropped()
    {
        Assert.All(Trim(B1Tau, 0.6, 0.01, mergekitQuirks: true), v => Assert.Equal(0f, v));
        // The quirk changes nothing when there are outliers to drop.
        Assert.Equal(Trim(B1Tau, 0.6, 0.1), Trim(B1Tau, 0.6, 0.1, mergekitQuirks: true));
    }

    [Fact]
    public void B1_with_weight_one_and_the_defaults_is_the_base_plus_the_kept_task_vector()
    {
        using var temp = new TempFolder("b1");
        float[] theta = [0.1f, 0.2f, -0.3f, 0.4f, 0.5f, -0.6f, 0.7f, 0.8f, 0.9f, -1.0f];
        var baseModel = CheckpointHandle.Open(SafetensorsFiles.WriteF32(temp.Child("base"), [new TensorValues("w", theta)]));
        var fineTune = CheckpointHandle.Open(SafetensorsFiles.WriteF32(temp.Child("ft"),
            [new TensorValues("w", theta.Select((x, j) => x + B1Tau[j]).ToArray())]));
        var tau = MergeReference.TaskVector(theta.Select((x, j) => x + B1Tau[j]).ToArray(), theta);

        var merged = TaskArithmeticMerge.Build(TaskArithmeticMethod.Breadcrumbs, [TaskVectors.Difference(baseModel, fineTune)],
            new TaskArithmeticOptions { Density = [0.6], Gamma = [0.1] });
        var output = SafetensorsFiles.ReadSingles(CheckpointExporter.Export(merged, temp.Child("out"), new ExportOptions()).Path)["w"];

        var kept = SparsifierReference.BreadcrumbsKept(tau, 0.6, 0.1);
        WorkedExample.AssertClose(theta.Select((x, j) => x + (kept[j] ? (double)tau[j] : 0)).ToArray(), output);
        Assert.Equal([false, false, true, false, true, true, true, false, true, true], kept);
    }

    [Fact]
    public void B2_trims_each_task_vector_of_family_F_as_listed()
    {
        Assert.Equal(B2Kept1, Trim(FamilyF.Tau1, 0.5, 0.2));
        Assert.Equal(B2Kept2, Trim(FamilyF.Tau2, 0.5, 0.2));
        Assert.Equal(B2Kept3, Trim(FamilyF.Tau3, 0.5, 0.2));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(21)]
    public void B2_breadcrumbs_sums_the_weighted_survivors(int copies)
    {
        var delta = new float[6 * copies];

        // breadcrumbs' defaults: no consensus, normalize off.
        WeightedSum.Combine(ChunkLayout.BackToBack(copies, B2Kept1, B2Kept2, B2Kept3), FamilyF.Weights, 1.0, 1.0, default, delta);

        WorkedExample.AssertCloseRepeated(B2Breadcrumbs, FamilyF.AddToBase(delta));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(21)]
    public void B2_breadcrumbs_ties_drops_model_3_where_the_vote_elects_minus(int copies)
    {
        var delta = new float[6 * copies];

        // Element 2: −0.5·0.16 + 0.8·0.09 = −0.008 elects −.
        SignConsensus.Combine(ChunkLayout.BackToBack(copies, B2Kept1, B2Kept2, B2Kept3), FamilyF.Weights, SignRule.Sum, normalize: false, 1.0, default, delta);

        WorkedExample.AssertCloseRepeated(B2BreadcrumbsTies, FamilyF.AddToBase(delta));
    }

    [Theory]
    [InlineData("breadcrumbs")]
    [InlineData("breadcrumbs_ties")]
    public void B2_merge_of_stored_checkpoints_reproduces_the_example(string method)
    {
        using var family = new FamilyFCheckpoints();

        var merged = TaskArithmeticMerge.Build(TaskArithmeticMethod.Find(method)!, family.TaskVectors(),
            new TaskArithmeticOptions { Density = [0.5], Gamma = [0.2] });

        WorkedExample.AssertClose(method == "breadcrumbs" ? B2Breadcrumbs : B2BreadcrumbsTies, family.ExportAndRead(merged));
        Assert.Contains("gamma=0.2", merged.Description);
    }
}
