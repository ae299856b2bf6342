using ModelMerge.Formats;
using ModelMerge.Methods;
using ModelMerge.Plans.Graph;

namespace ModelMerge.Plans.Devices;

/// <summary>Turns a tensor plan into device nodes when the GPU has a kernel for every node of it.</summary>
internal static class DevicePlanCompiler
{
    /// <returns>The compiled plan, or null: some node has no kernel, and the CPU computes the tensor.</returns>
    public static DeviceNode? Compile(ITensorPlan plan)
    {
        switch (plan)
        {
            case StoredTensorPlan { StoredSource: TensorInfo stored } when StoredDeviceNode.Supports(stored):
                return new StoredDeviceNode(stored);
            case DifferencePlan difference:
                return Compile(difference.FineTuned) is { } fineTuned && Compile(difference.Base) is { } baseTensor
                    ? new DifferenceDeviceNode(fineTuned, baseTensor) : null;
            case WeightedSumPlan sum:
                return TryCompileInputs(sum.Base, sum.Terms, out var sumBase, out var terms)
                    ? new WeightedSumDeviceNode(sumBase, terms, [.. sum.Weights], sum.Divisor, sum.Scale) : null;
            case SignConsensusPlan ties:
                return TryCompileInputs(ties.Base, ties.TaskVectors, out var tiesBase, out var vectors)
                    ? new SignConsensusDeviceNode(tiesBase, vectors, [.. ties.Weights], ties.Rule, ties.Normalize, ties.Lambda) : null;
            case MagnitudeTrimPlan trim:
                return Compile(trim.TaskVector) is { } trimmed ? new MagnitudeTrimDeviceNode(trimmed, trim.Density, trim.Rescale) : null;
            case OutlierTrimPlan band:
                return Compile(band.TaskVector) is { } banded ? new OutlierTrimDeviceNode(banded, band.Density, band.Gamma, band.Rescale, band.MergekitQuirks) : null;
            case RandomDropPlan drop:
                return Compile(drop.TaskVector) is { } dropped ? new RandomDropDeviceNode(dropped, drop.Density, drop.Seed, drop.ModelIndex, drop.Rescale) : null;
            case RankedDropPlan ranked:
                return Compile(ranked.TaskVector) is { } ranks
                    ? new RankedDropDeviceNode(ranks, [.. ranked.Shape], ranked.Density, ranked.Epsilon, ranked.Seed, ranked.ModelIndex, ranked.Rescale) : null;
            case MethodPlan { Method: Linear linear } soup when soup.Models.Select(Compile).ToList() is var models && models.All(m => m is not null):
                // Weights that cancel are left to the CPU, which refuses them (WeightsSumToZero) with its own message.
                double total = linear.Weights.Sum();
                return linear.Normalize && Math.Abs(total) < 1e-8 ? null
                    : new WeightedSumDeviceNode(null, models!, [.. linear.Weights], linear.Normalize ? total : 1, 1.0);
            case MethodPlan { Method: Slerp slerp, Base: { } start, Models: [var end] }:
                return Compile(start) is { } compiledStart && Compile(end) is { } compiledEnd
                    ? new SlerpDeviceNode(compiledStart, compiledEnd, compiledEnd.Length, slerp.T) : null;
            case MethodPlan { Method: ModelStock stock, Base: { } stockBase, Models: { Count: >= 2 } offsets } stocked:
                return TryCompileInputs(stockBase, offsets, out var compiledBase, out var compiledOffsets)
                    ? new ModelStockDeviceNode(compiledBase!, compiledOffsets, stock.FilterWise ? LastAxis(stocked.Shape) : stocked.Length) : null;
            case MethodPlan { Method: Nuslerp nuslerp, Models: [var a, var b] } pair:
                return TryCompileInputs(pair.Base, [a, b], out var pairBase, out var compiledPair)
                    ? new NuslerpDeviceNode(pairBase, compiledPair[0], compiledPair[1], nuslerp.Vectors, nuslerp.Vectors switch
                    {
                        NuslerpVectors.Whole => pair.Length,
                        NuslerpVectors.LastAxis => LastAxis(pair.Shape),
                        _ => Nuslerp.FirstAxisVectorCount([.. pair.Shape], pair.Length),
                    }, nuslerp.T) : null;
            case MethodPlan { Method: NearSwap swap, Base: { } swapBase, Models: [var swapped] }:
                return Compile(swapBase) is { } near && Compile(swapped) is { } far ? new NearSwapDeviceNode(near, far, swap.T) : null;
            case MethodPlan { Method: IGramCombination gram, Models.Count: > 0 } spherical:
                return TryCompileInputs(spherical.Base, spherical.Models, out var sphericalBase, out var sphericalModels)
                    ? GramCombinationDeviceNode.Create(gram, sphericalBase, sphericalModels) : null;
            case MethodPlan { Method: Sce sce, Base: { } sceBase, Models.Count: > 0 } selected:
                return TryCompileInputs(sceBase, selected.Models, out var compiledSceBase, out var sceVectors)
                    ? new SceDeviceNode(compiledSceBase!, sceVectors, sce) : null;
            case MethodPlan { Method: ReinforcedAgentMerge ram, Base: { } ramBase, Models.Count: > 0 } reinforced:
                return TryCompileInputs(ramBase, reinforced.Models, out var compiledRamBase, out var ramVectors)
                    ? new RamDeviceNode(compiledRamBase!, ramVectors, ram) : null;
            case PrefixPlan prefix:
                return prefix.Inputs.Single() is var inner && Compile(inner) is { } compiled ? new PrefixDeviceNode(compiled, prefix.Length) : null;
            default:
                return null;
        }
    }

    /// <summary>The length of the rows along the last axis, as <c>MergeInputs.RowLength</c> has it (a scalar is a row of one).</summary>
    private static long LastAxis(IReadOnlyList<long> shape) => shape.Count == 0 ? 1 : shape[^1];

    private static bool TryCompileInputs(ITensorPlan? baseTensor, IReadOnlyList<ITensorPlan> terms, out DeviceNode? compiledBase,
        out IReadOnlyList<DeviceNode> compiledTerms)
    {
        compiledBase = baseTensor is null ? null : Compile(baseTensor);
        var compiled = terms.Select(Compile).ToList();
        compiledTerms = compiled!;
        return (baseTensor is null || compiledBase is not null) && compiled.All(t => t is not null);
    }
}
