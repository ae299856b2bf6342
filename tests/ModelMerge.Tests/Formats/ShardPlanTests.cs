using ModelMerge.Formats;
using ModelMerge.Formats.Safetensors;

namespace ModelMerge.Tests.Formats;

/// <summary>
/// The shard rule of transformers' <c>shard_checkpoint</c>: start a new shard when a tensor would
/// push a non-empty shard past the limit; a tensor above the limit gets a shard to itself.
/// </summary>
public sealed class ShardPlanTests
{
    /// <summary>An F32 tensor of <paramref name="bytes"/> bytes (a multiple of 4).</summary>
    private static OutputTensor Tensor(string name, long bytes) => new(name, DType.F32, [bytes / 4]);

    private static string[][] Names(ShardPlan plan) => plan.Shards.Select(s => s.Select(t => t.Name).ToArray()).ToArray();

    [Fact]
    public void Tensor_that_would_pass_the_limit_starts_a_new_shard()
    {
        var plan = ShardPlan.Create([Tensor("a", 40), Tensor("b", 40), Tensor("c", 40)], maxShardBytes: 100);

        Assert.Equal([["a", "b"], ["c"]], Names(plan));
    }

    [Fact]
    public void Shard_may_fill_exactly_to_the_limit()
    {
        var plan = ShardPlan.Create([Tensor("a", 60), Tensor("b", 40), Tensor("c", 4)], maxShardBytes: 100);

        Assert.Equal([["a", "b"], ["c"]], Names(plan));
    }

    [Fact]
    public void Oversized_tensor_gets_a_shard_of_its_own()
    {
        var plan = ShardPlan.Create([Tensor("a", 40), Tensor("big", 200), Tensor("c", 40), Tensor("d", 40)], maxShardBytes: 100);

        Assert.Equal([["a"], ["big"], ["c", "d"]], Names(plan));
    }

    [Fact]
    public void Oversized_first_tensor_is_alone_in_the_first_shard()
    {
        var plan = ShardPlan.Create([Tensor("big", 200), Tensor("a", 40)], maxShardBytes: 100);

        Assert.Equal([["big"], ["a"]], Names(plan));
    }

    [Fact]
    public void Tensor_order_is_kept_across_shards()
    {
        string[] names = Enumerable.Range(0, 10).Select(i => $"t{i}").ToArray();

        var plan = ShardPlan.Create(names.Select(n => Tensor(n, 12)), maxShardBytes: 36);

        Assert.Equal(names, plan.Shards.SelectMany(s => s).Select(t => t.Name));
        Assert.Equal([3, 3, 3, 1], plan.Shards.Select(s => s.Count));
    }

    [Fact]
    public void Total_bytes_is_the_sum_of_every_tensor()
    {
        var plan = ShardPlan.Create([Tensor("a", 40), Tensor("big", 200), new OutputTensor("h", DType.BF16, [3, 5])], maxShardBytes: 100);

        Assert.Equal(40 + 200 + 30, plan.TotalBytes);
    }

    [Fact]
    public void One_shard_is_named_model_safetensors()
    {
        var plan = ShardPlan.Create([Tensor("a", 40), Tensor("b", 40)], ShardPlan.DefaultMaxShardBytes);

        Assert.Single(plan.Shards);
        Assert.Equal("model.safetensors", plan.FileName(0));
    }

    [Fact]
    public void Several_shards_are_numbered_from_one_with_five_digits()
    {
        var plan = ShardPlan.Create([Tensor("a", 40), Tensor("b", 40), Tensor("c", 40)], maxShardBytes: 40);

        Assert.Equal(
            ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"],
            Enumerable.Range(0, 3).Select(plan.FileName));
    }

    [Fact]
    public void No_tensors_plan_one_empty_shard()
    {
        var plan = ShardPlan.Create([], maxShardBytes: 100);

        Assert.Single(plan.Shards);
        Assert.Empty(plan.Shards[0]);
        Assert.Equal("model.safetensors", plan.FileName(0));
    }

    [Fact]
    public void Default_limit_is_five_decimal_gigabytes()
    {
        Assert.Equal(5_000_000_000, ShardPlan.DefaultMaxShardBytes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Non_positive_limit_is_refused(long limit)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardPlan.Create([Tensor("a", 4)], limit));
    }
}
