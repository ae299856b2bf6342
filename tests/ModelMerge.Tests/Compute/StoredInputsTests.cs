using ModelMerge.Formats.Folders;
using ModelMerge.Plans.Graph;
using ModelMerge.Tests.Formats;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Compute;

public class StoredInputsTests
{
    [Fact]
    public void A_plan_tree_yields_each_stored_tensor_it_reads_once()
    {
        using var folder = new TemporaryFolder();
        SafetensorsFiles.WriteF32(folder.Path,
            [new TensorValues("base", [1f, 2f]), new TensorValues("ft1", [3f, 4f]), new TensorValues("ft2", [5f, 6f]), new TensorValues("unused", [7f, 8f])]);
        var stored = SafetensorsCheckpoint.Open(folder.Path).Tensors.ToDictionary(t => t.Name, t => new StoredTensorPlan(t));
        var baseTensor = stored["base"];
        var plan = new PrefixPlan(new WeightedSumPlan(baseTensor,
            [new DifferencePlan(stored["ft1"], baseTensor), new MagnitudeTrimPlan(new DifferencePlan(stored["ft2"], baseTensor), 0.5)],
            [1.0, 1.0], 1.0, 1.0), 1);

        var inputs = StoredInputs.Of(plan);

        Assert.Equal(["base", "ft1", "ft2"], inputs.Select(t => t.Name).Order());
        Assert.Equal(["unused"], StoredInputs.Of(stored["unused"]).Select(t => t.Name));
    }

    [Fact]
    public void Reading_ahead_a_file_that_has_gone_is_left_to_the_read_that_follows()
    {
        using var folder = new TemporaryFolder();
        SafetensorsFiles.WriteF32(folder.Path, [new TensorValues("w", [1f, 2f])]);
        var tensor = SafetensorsCheckpoint.Open(folder.Path).Tensors.Single();
        File.Delete(tensor.FilePath);

        StoredInputs.ReadAhead(new StoredTensorPlan(tensor));

        Assert.False(File.Exists(tensor.FilePath));
    }
}
