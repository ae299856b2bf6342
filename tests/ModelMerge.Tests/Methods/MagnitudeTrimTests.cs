using ModelMerge.Compute;
using ModelMerge.Methods;
using ModelMerge.Plans.Export;
using ModelMerge.Plans.Handles;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>merge-semantics §4.2 "magnitude" and §1.1's rule for counts derived from fractions.</summary>
public sealed class MagnitudeTrimTests
{
    [Fact]
    public void Equal_magnitudes_at_the_cut_keep_the_lower_index_first()
    {
        float[] tau = [0.2f, -0.2f, 0.1f, 0.2f];

        var cut = MagnitudeTrim.Create(new ArraySource(tau), 0.5, Rescale.None, "w", new ChunkRunner(1));
        Assert.NotNull(cut);
        cut.Apply(0, tau);

        Assert.Equal([0.2f, -0.2f, 0f, 0f], tau);
    }

    [Theory]
    [InlineData(0.29, 100, 28)] // 0.29·100 = 28.999…96 in double
    [InlineData(0.7, 10, 7)]    // a float32 density would give 0.7f·10 = 6.99999… → 6
    [InlineData(0.5, 7, 3)]
    [InlineData(0.2, 64, 12)]
    public void Keep_count_is_floored_in_double_precision_like_python(double density, long elements, long expected)
    {
        Assert.Equal(expected, MagnitudeTrim.KeepCount(density, elements, "w"));
    }

    [Fact]
    public void Trim_at_density_0_29_keeps_exactly_28_of_100_distinct_magnitudes()
    {
        var tau = Enumerable.Range(0, 100).Select(i => (i % 2 == 0 ? 1 : -1) * (0.001f + 0.0001f * ((i * 37) % 100))).ToArray();
        var expected = MergeReference.Trim(tau, 0.29);

        var cut = MagnitudeTrim.Create(new ArraySource(tau), 0.29, Rescale.None, "w", new ChunkRunner(1));
        Assert.NotNull(cut);
        cut.Apply(0, tau);

        Assert.Equal(28, tau.Count(v => v != 0));
        Assert.Equal(expected, tau.Select(v => (double)v));
    }

    [Fact]
    public void Ties_merge_at_density_0_7_of_ten_elements_changes_seven_of_them()
    {
        // The trap §1.1 warns about: a float32 copy of the density would keep 0.7f·10 → 6.
        using var temp = new TempFolder("density-0.7");
        float[] theta = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 1.0f];
        float[] fineTuned = theta.Select((x, j) => x + 0.01f * (j + 1)).ToArray();
        var baseModel = CheckpointHandle.Open(SafetensorsFiles.WriteF32(temp.Child("base"), [new TensorValues("w", theta)]));
        var fineTune = CheckpointHandle.Open(SafetensorsFiles.WriteF32(temp.Child("ft"), [new TensorValues("w", fineTuned)]));

        var merged = TaskArithmeticMerge.Build(TaskArithmeticMethod.Ties, [TaskVectors.Difference(baseModel, fineTune)],
            new TaskArithmeticOptions { Density = [0.7] });
        var output = SafetensorsFiles.ReadSingles(CheckpointExporter.Export(merged, temp.Child("out"), new ExportOptions()).Path)["w"];

        // The seven largest changes are the last seven elements.
        Assert.Equal(theta.Take(3), output.Take(3));
        Assert.All(Enumerable.Range(3, 7), j => Assert.Equal(fineTuned[j], output[j], 1e-6f));
    }

    [Theory]
    [InlineData(0.1, 5)]
    [InlineData(0.0, 100)]
    [InlineData(0.5, 1)]
    public void A_density_that_keeps_nothing_is_an_error_naming_the_tensor(double density, long elements)
    {
        const string tensor = "model.layers.0.mlp.up_proj.weight";

        var error = Assert.Throws<MergeException>(() => MagnitudeTrim.KeepCount(density, elements, tensor));

        Assert.Equal(MagnitudeTrim.DensityTooSmall, error.ErrorId);
        Assert.Equal(tensor, error.TensorName);
        Assert.Contains(tensor, error.Message);
    }

    [Fact]
    public void Ties_export_with_a_density_that_keeps_nothing_fails_naming_the_tensor_and_leaves_no_folder()
    {
        using var family = new FamilyFCheckpoints();
        var merged = TaskArithmeticMerge.Build(TaskArithmeticMethod.Ties, family.TaskVectors(), new TaskArithmeticOptions { Density = [0.1] });
        string target = family.NewTarget();

        // floor(0.1·6) = 0.
        var error = Assert.Throws<MergeException>(() => CheckpointExporter.Export(merged, target, new ExportOptions()));

        Assert.Equal(MagnitudeTrim.DensityTooSmall, error.ErrorId);
        Assert.Equal(FamilyFCheckpoints.Tensor, error.TensorName);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public void Density_one_or_more_trims_nothing()
    {
        var source = new ArraySource([0.3f, -0.1f, 0.2f]);

        Assert.Null(MagnitudeTrim.Create(source, 1.0, Rescale.None, "w", new ChunkRunner(1)));
        Assert.Null(MagnitudeTrim.Create(source, 1.5, Rescale.None, "w", new ChunkRunner(1)));
    }

    [Fact]
    public void A_negative_weight_keeps_the_same_survivors_and_flips_their_contribution()
    {
        // §4.1: density acts on the unweighted τ; the weight only enters the vote and the sum.
        using var family = new FamilyFCheckpoints();
        var options = new TaskArithmeticOptions { Density = [0.5], Normalize = false };

        var positive = family.ExportAndRead(TaskArithmeticMerge.Build(TaskArithmeticMethod.Ties, family.TaskVectors(1.0), options));
        var negative = family.ExportAndRead(TaskArithmeticMerge.Build(TaskArithmeticMethod.Ties, family.TaskVectors(-1.0), options));

        // A lone model always agrees with its own vote, so the merge is θ_b ± τ'_1.
        WorkedExample.AssertClose(MergeReference.Add(FamilyF.Base, MergeReference.Widen(FamilyF.Trimmed1)), positive);
        WorkedExample.AssertClose(MergeReference.Add(FamilyF.Base, MergeReference.Widen(FamilyF.Trimmed1).Select(t => -t).ToArray()), negative);
    }
}
