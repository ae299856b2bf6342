using ModelMerge.Methods;
using ModelMerge.Plans.Handles;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>merge-semantics §4.3, family F, the task_arithmetic table.</summary>
public sealed class TaskArithmeticWorkedExampleTests
{
    /// <summary>Weights (one per model, in order), normalize (null = the method's default), λ, expected output.</summary>
    public static TheoryData<double[], bool?, double, double[]> Rows => new()
    {
        { [1.0, 0.5, 0.8], null, 1.0, [0.456, -0.244, 0.122, 0.536, 0.7, -0.506] },
        { [1.0, 0.5, 0.8], true, 1.0, [0.424348, -0.275652, 0.109565, 0.346087, 0.813043, -0.502609] },
        { [1.0, 0.5, 0.8], false, 0.5, [0.428, -0.272, 0.111, 0.368, 0.8, -0.503] },
        { [1.0, -0.5], null, 1.0, [0.6, -0.46, 0.21, 0.4, 0.54, -0.49] },
        // Σw = 0: the divisor falls back to 1 instead of dividing by zero.
        { [1.0, -1.0], true, 1.0, [0.56, -0.56, 0.29, 0.42, 0.48, -0.49] },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Weighted_sum_of_task_vectors_reproduces_the_table(double[] weights, bool? normalize, double lambda, double[] expected)
    {
        float[][] taus = [FamilyF.Tau1, FamilyF.Tau2, FamilyF.Tau3];
        double weightSum = weights.Sum();
        double divisor = normalize == true && Math.Abs(weightSum) >= 1e-8 ? weightSum : 1.0;
        var delta = new float[FamilyF.Base.Length];

        WeightedSum.Combine(ChunkLayout.BackToBack(1, taus[..weights.Length]), weights, divisor, lambda, default, delta);

        WorkedExample.AssertClose(expected, FamilyF.AddToBase(delta));
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Task_arithmetic_merge_of_stored_checkpoints_reproduces_the_table(double[] weights, bool? normalize, double lambda, double[] expected)
    {
        using var family = new FamilyFCheckpoints();

        var merged = TaskArithmeticMerge.Build(TaskArithmeticMethod.TaskArithmetic, family.TaskVectors(weights),
            new TaskArithmeticOptions { Normalize = normalize, Lambda = lambda });

        WorkedExample.AssertClose(expected, family.ExportAndRead(merged));
    }

    [Fact]
    public void Task_arithmetic_ignores_density()
    {
        using var family = new FamilyFCheckpoints();

        // §4.1: density is accepted but task_arithmetic has no sparsifier.
        var merged = TaskArithmeticMerge.Build(TaskArithmeticMethod.TaskArithmetic, family.TaskVectors(),
            new TaskArithmeticOptions { Density = [0.5] });

        WorkedExample.AssertClose([0.456, -0.244, 0.122, 0.536, 0.7, -0.506], family.ExportAndRead(merged));
    }
}
