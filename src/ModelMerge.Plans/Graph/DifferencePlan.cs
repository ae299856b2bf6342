using System.Buffers;
using System.Numerics.Tensors;
using ModelMerge.Formats;
using ModelMerge.Formats.Numerics;
using ModelMerge.Formats.Safetensors;

namespace ModelMerge.Plans.Graph;

/// <summary>A task vector's tensor: τ = θ_fine-tuned − θ_base, in float32.</summary>
public sealed class DifferencePlan(ITensorPlan fineTuned, ITensorPlan baseTensor) : ITensorPlan
{
    public long Length => baseTensor.Length;

    public TensorInfo? StoredSource => null;

    public IEnumerable<ITensorPlan> Inputs => [fineTuned, baseTensor];

    public ITensorPlan FineTuned => fineTuned;

    public ITensorPlan Base => baseTensor;

    public PreparedTensor Prepare(string tensorName, PlanContext context)
    {
        var minuend = fineTuned.Prepare(tensorName, context);
        try
        {
            return new Prepared(minuend, baseTensor.Prepare(tensorName, context), context.NonFinite);
        }
        catch
        {
            minuend.Dispose();
            throw;
        }
    }

    /// <summary>Reading two stored tensors fuses both widenings, the subtraction and the NaN/∞ test into one pass.</summary>
    private sealed class Prepared(PreparedTensor minuend, PreparedTensor subtrahend, NonFiniteInputs nonFinite) : PreparedTensor
    {
        public override long Length => subtrahend.Length;

        public override void Read(long start, Span<float> destination)
        {
            if (minuend.Stored is TensorReader a && subtrahend.Stored is TensorReader b)
            {
                int n = destination.Length;
                using var bytesA = a.ReadElements(start, n);
                using var bytesB = b.ReadElements(start, n);
                if (!ElementConversion.Difference(a.Info.DType, bytesA.Span, b.Info.DType, bytesB.Span, destination))
                {
                    nonFinite.Found(a, start, n);
                    nonFinite.Found(b, start, n);
                }
                return;
            }
            minuend.Read(start, destination);
            var scratch = ArrayPool<float>.Shared.Rent(destination.Length);
            try
            {
                var baseValues = scratch.AsSpan(0, destination.Length);
                subtrahend.Read(start, baseValues);
                TensorPrimitives.Subtract(destination, baseValues, destination);
            }
            finally { ArrayPool<float>.Shared.Return(scratch); }
        }

        public override void Dispose()
        {
            minuend.Dispose();
            subtrahend.Dispose();
        }
    }
}
