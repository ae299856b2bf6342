using ModelMerge.Methods;
using ModelMerge.Plans.Export;
using ModelMerge.Plans.Handles;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>
/// §4.4: dare_ties and dare_linear are the random drop (model index = position, L1 rescale)
/// followed by the ties or task-arithmetic combine — nothing else. Built both ways, the exported
/// files must agree byte for byte.
/// </summary>
[Collection(GeneratedLlamaCollection.Name)]
public sealed class DareCompositionTests(GeneratedLlamas llamas)
{
    private const ulong Seed = 20_260_611;

    [Theory]
    [InlineData("tiny", 0.5)]
    [InlineData("wide", 0.3)]
    public void Dare_ties_is_random_drop_then_ties_without_trimming(string shape, double density)
    {
        var set = llamas[shape];
        var vectors = set.TaskVectors(1.0, 0.6);
        var dropped = vectors.Select((tv, i) => TaskVectors.RandomDrop(tv, density, Seed, i, Rescale.L1)).ToList();

        var composed = TaskArithmeticMerge.Build(TaskArithmeticMethod.Ties, dropped, new TaskArithmeticOptions { Density = [1.0] });
        var direct = TaskArithmeticMerge.Build(TaskArithmeticMethod.DareTies, vectors,
            new TaskArithmeticOptions { Density = [density], Normalize = true, Seed = Seed });

        Assert.Equal(Export(composed), Export(direct));
    }

    [Theory]
    [InlineData("tiny", 0.5)]
    [InlineData("wide", 0.3)]
    public void Dare_linear_with_its_defaults_is_random_drop_then_an_unnormalized_weighted_sum(string shape, double density)
    {
        var set = llamas[shape];
        var vectors = set.TaskVectors(1.0, 0.6);
        var dropped = vectors.Select((tv, i) => TaskVectors.RandomDrop(tv, density, Seed, i, Rescale.L1)).ToList();

        // §2: dare_linear defaults to rescale = L1 and normalize = false; task_arithmetic to neither.
        var composed = TaskArithmeticMerge.Build(TaskArithmeticMethod.TaskArithmetic, dropped, new TaskArithmeticOptions());
        var direct = TaskArithmeticMerge.Build(TaskArithmeticMethod.DareLinear, vectors, new TaskArithmeticOptions { Density = [density], Seed = Seed });

        Assert.Equal(Export(composed), Export(direct));
    }

    [Fact]
    public void Dare_with_another_seed_writes_different_weights()
    {
        var vectors = llamas["tiny"].TaskVectors(1.0, 0.6);
        TaskArithmeticOptions Options(ulong seed) => new() { Density = [0.5], Seed = seed };

        var first = Export(TaskArithmeticMerge.Build(TaskArithmeticMethod.DareTies, vectors, Options(Seed)));
        var second = Export(TaskArithmeticMerge.Build(TaskArithmeticMethod.DareTies, vectors, Options(Seed + 1)));

        Assert.NotEqual(first, second);
    }

    private byte[][] Export(CheckpointHandle merged) =>
        SafetensorsFiles.WeightFileBytes(CheckpointExporter.Export(merged, llamas.NewTarget(), new ExportOptions()).Path);
}
