using ModelMerge.Compute;
using ModelMerge.Methods;
using ModelMerge.Plans.Handles;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>merge-semantics §4.3, family F, the ties table and its variants (density 0.5, weights 1, 0.5, 0.8).</summary>
public sealed class TiesWorkedExampleTests
{
    private static readonly double[] TiesOutput = [0.64, -0.1, -0.06, 0.397778, 0.6, -0.5];

    /// <summary>Density, normalize (null = default), λ, sign rule, expected output.</summary>
    public static TheoryData<double, bool?, double, SignRule, double[]> Rows => new()
    {
        { 0.5, null, 1.0, SignRule.Sum, TiesOutput },
        { 0.5, false, 1.0, SignRule.Sum, [0.64, -0.2, 0.02, 0.556, 0.6, -0.5] },
        { 0.5, null, 0.5, SignRule.Sum, [0.52, -0.2, 0.02, 0.298889, 0.75, -0.5] },
        { 0.5, null, 1.0, SignRule.Count, [0.64, -0.1, 0.19, 0.397778, 1.02, -0.5] },
        { 1.0, null, 1.0, SignRule.Sum, [0.586667, -0.210769, 0.156667, 0.397778, 0.6, -0.52] },
    };

    [Fact]
    public void Trimming_family_F_at_density_half_keeps_the_listed_elements()
    {
        float[][] taus = [FamilyF.Tau1, FamilyF.Tau2, FamilyF.Tau3];
        float[][] expected = [FamilyF.Trimmed1, FamilyF.Trimmed2, FamilyF.Trimmed3];

        for (int i = 0; i < taus.Length; i++)
        {
            var values = (float[])taus[i].Clone();
            var cut = MagnitudeTrim.Create(new ArraySource(values), 0.5, Rescale.None, "w", new ChunkRunner(1));
            Assert.NotNull(cut);
            cut.Apply(0, values);
            Assert.Equal(expected[i], values);
        }
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Sign_consensus_of_trimmed_vectors_reproduces_the_table(double density, bool? normalize, double lambda, SignRule rule, double[] expected)
    {
        // Twenty-one copies put the six elements through the vector lanes as well as the scalar tail.
        foreach (int copies in new[] { 1, 21 })
        {
            float[][] vectors = density < 1
                ? [FamilyF.Trimmed1, FamilyF.Trimmed2, FamilyF.Trimmed3]
                : [FamilyF.Tau1, FamilyF.Tau2, FamilyF.Tau3];
            var delta = new float[FamilyF.Base.Length * copies];

            SignConsensus.Combine(ChunkLayout.BackToBack(copies, vectors), FamilyF.Weights, rule, normalize ?? true, lambda, default, delta);

            WorkedExample.AssertCloseRepeated(expected, FamilyF.AddToBase(delta));
        }
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Ties_merge_of_stored_checkpoints_reproduces_the_table(double density, bool? normalize, double lambda, SignRule rule, double[] expected)
    {
        using var family = new FamilyFCheckpoints();

        var merged = TaskArithmeticMerge.Build(TaskArithmeticMethod.Ties, family.TaskVectors(),
            new TaskArithmeticOptions { Density = [density], Normalize = normalize, Lambda = lambda, SignRule = rule });

        WorkedExample.AssertClose(expected, family.ExportAndRead(merged));
    }

    [Fact]
    public void The_weighted_vote_keeps_model_1_where_an_unweighted_vote_would_keep_model_3()
    {
        // Element 0: 0.24 − 0.8·0.28 > 0 elects +, although 0.24 − 0.28 < 0.
        var delta = new float[1];

        SignConsensus.Combine([0.24f, 0f, -0.28f], FamilyF.Weights, SignRule.Sum, normalize: true, 1.0, default, delta);

        Assert.Equal(0.24, delta[0], 1e-6);
    }
}
