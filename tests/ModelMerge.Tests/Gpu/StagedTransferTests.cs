using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Gpu;

namespace ModelMerge.Tests.Gpu;

/// <summary>
/// Uploads and downloads through the two page-locked staging buffers: every length around the
/// piece size, so pieces alternate between the buffers, a buffer is refilled only after its
/// previous piece has crossed, and the last piece is partial.
/// </summary>
[Collection(SimulatedDeviceCollection.Name)]
public sealed class StagedTransferTests(SimulatedDevice device)
{
    private const int FloatsPerPiece = SimulatedDevice.TransferPieceBytes / sizeof(float);

    public static TheoryData<int> Lengths => new()
    {
        0, 1, FloatsPerPiece - 1, FloatsPerPiece, FloatsPerPiece + 1, 2 * FloatsPerPiece, 3 * FloatsPerPiece + FloatsPerPiece / 2 + 3,
    };

    [Fact]
    public void The_device_stages_its_transfers_through_page_locked_buffers()
    {
        Assert.NotNull(device.Gpu.Transfers);
        Assert.Null(device.Gpu.TransfersUnstagedReason);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Floats_make_the_round_trip_unchanged(int length)
    {
        var values = Enumerable.Range(0, length).Select(i => BitConverter.Int32BitsToSingle(unchecked(i * (int)0x9E37_79B1))).ToArray();
        using var buffer = device.Gpu.Accelerator.Allocate1D<float>(Math.Max(1, length));
        var view = buffer.View.SubView(0, length);

        device.Gpu.Upload<float>(values, view);
        var back = new List<float>();
        var pieces = new List<int>();
        device.Gpu.Download(view, FloatsPerPiece / 3, piece =>
        {
            pieces.Add(piece.Length);
            back.AddRange(piece.ToArray());
        });

        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), back.Select(BitConverter.SingleToInt32Bits));
        Assert.All(pieces, p => Assert.InRange(p, 1, FloatsPerPiece / 3));
        Assert.Equal((length + FloatsPerPiece / 3 - 1) / (FloatsPerPiece / 3), pieces.Count);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Bf16_bits_upload_in_pieces_of_the_staging_size(int length)
    {
        var bits = Enumerable.Range(0, length).Select(i => (ushort)(i * 40_503)).ToArray();
        using var buffer = device.Gpu.Accelerator.Allocate1D<ushort>(Math.Max(1, length));
        var view = buffer.View.SubView(0, length);

        device.Gpu.Upload<ushort>(bits, view);

        var back = new ushort[length];
        if (length > 0) view.CopyToCPU(ref back[0], length);
        Assert.Equal(bits, back);
    }

    [Fact]
    public void A_download_piece_larger_than_the_staging_buffer_is_cut_to_it()
    {
        var values = Enumerable.Range(0, 5 * FloatsPerPiece / 2).Select(i => (float)i).ToArray();
        using var buffer = device.Gpu.Accelerator.Allocate1D<float>(values.Length);
        device.Gpu.Upload<float>(values, buffer.View);

        var pieces = new List<int>();
        var back = new List<float>();
        device.Gpu.Download(buffer.View, int.MaxValue, piece =>
        {
            pieces.Add(piece.Length);
            back.AddRange(piece.ToArray());
        });

        Assert.Equal([FloatsPerPiece, FloatsPerPiece, FloatsPerPiece / 2], pieces);
        Assert.Equal(values, back);
    }

    [Fact]
    public void An_upload_must_fill_its_destination_exactly()
    {
        using var buffer = device.Gpu.Accelerator.Allocate1D<float>(10);
        var error = Assert.Throws<ArgumentException>(() => device.Gpu.Transfers!.Upload<float>(new float[9], buffer.View));
        Assert.Contains("as long as the source", error.Message);
    }
}
