using ModelMerge.Formats;
using ModelMerge.Formats.Folders;
using ModelMerge.Formats.Safetensors;
using ModelMerge.Plans.Export;

namespace ModelMerge.Tests.Formats;

public class BlockWriterTests
{
    [Fact]
    public void A_long_stream_of_blocks_reuses_a_handful_of_buffers_and_writes_every_byte_in_order()
    {
        using var folder = new TemporaryFolder();
        const int blockBytes = 64 << 10;
        const int blocks = 200;
        var tensor = new OutputTensor("model.embed_tokens.weight", DType.U8, [blocks, blockBytes]);
        var plan = ShardPlan.Create([tensor], ShardPlan.DefaultMaxShardBytes);
        var buffers = new HashSet<byte[]>(ReferenceEqualityComparer.Instance);

        using (var writer = new CheckpointWriter(folder.Path, plan, new Dictionary<string, string> { ["format"] = "pt" }))
        {
            using var stream = new BlockWriter(writer, CancellationToken.None);
            stream.BeginTensor(tensor.Name);
            for (int b = 0; b < blocks; b++)
            {
                var block = stream.Rent(blockBytes);
                buffers.Add(block);
                block.AsSpan(0, blockBytes).Fill((byte)(b * 7));
                stream.Enqueue(block, blockBytes);
            }
            stream.Finish();
            writer.Complete();
        }

        Assert.InRange(buffers.Count, 1, 6);
        var stored = SafetensorsCheckpoint.Open(folder.Path).Tensors.Single();
        using var mapped = TensorReader.Open(stored);
        for (int b = 0; b < blocks; b++)
            Assert.True(mapped.Bytes((long)b * blockBytes, blockBytes).IndexOfAnyExcept((byte)(b * 7)) < 0, $"block {b} holds its own bytes");
    }
}
