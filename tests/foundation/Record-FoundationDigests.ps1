<#
.SYNOPSIS
    Records the SHA-256 digests of what the Foundation build writes for its pipelines, in
    foundation-digests.txt beside this script.
.DESCRIPTION
    The Foundation (commit d5b9050, 2026-11-24) is the numeric reference: every later speed-up or
    rework of the merge internals must write the same bytes for the pipelines it had.
    FoundationIdentityTests (tests/ModelMerge.PipelineTests) runs the recorded pipelines with the
    current code and compares the weights with these digests.

    The digests are recorded, not computed by the test, because the reference is the Foundation's
    code, not ours: a test that ran the current code twice, or against a float64 formula, could not
    see a rounding, tie-break or mask change that keeps every value within an ulp. Building an old
    commit inside the test run would cost a minute and a second engine, so it is done once, here.
    The Foundation's bytes do not depend on the CPU's vector width (a recording with
    DOTNET_EnableHWIntrinsic=0 equals one with AVX-512), so the record holds on any x64 machine.

    What it does, in a scratch folder:
      1. extracts the Foundation commit (git archive, so no worktree is registered) and builds its
         module with its own build.ps1;
      2. generates the inputs below with the CURRENT test-data generator (tests/TestData), in a
         pwsh of their own so the generator's ModelMerge.Formats never meets the Foundation's;
      3. runs every case's pipeline through the Foundation module, in another pwsh, with $Output
         set to the case's folder;
      4. writes the digests of the inputs' tensors and of the outputs' weight files and tensors.

    Re-record after changing the inputs, the cases or the generator (the test refuses inputs that
    differ from the recorded ones), never to make a failing comparison pass:

        ../shared/tools/pwsh/pwsh -NoProfile -File tests/foundation/Record-FoundationDigests.ps1

    Needs git and the .NET SDK; takes about a minute.
.PARAMETER Commit
    The Foundation commit.
.PARAMETER Destination
    Where the digests go; another path leaves the committed record alone (to compare two recordings).
.PARAMETER KeepScratch
    Leaves the scratch folder (the built Foundation, inputs and outputs) for inspection.
#>
[CmdletBinding()]
param(
    [string] $Commit = 'd5b9050',
    [string] $Destination = (Join-Path $PSScriptRoot 'foundation-digests.txt'),
    [switch] $KeepScratch
)

$ErrorActionPreference = 'Stop'
$repo = (git -C $PSScriptRoot rev-parse --show-toplevel)
$commitId = (git -C $repo rev-parse "$Commit^{commit}")
if ($LASTEXITCODE) { throw "unknown commit $Commit" }
$pwsh = [Environment]::ProcessPath
$scratch = Join-Path ([IO.Path]::GetTempPath()) ("foundation-digests-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$foundation = Join-Path $scratch 'foundation'
$work = Join-Path $scratch 'work'
New-Item -ItemType Directory $foundation, $work | Out-Null

# Inputs. Every matrix of the main set spans one to two grid chunks of 64 Ki elements, the last
# one short, so whole-tensor sums (L1 rescales) and TIES's exact two-pass search with per-chunk tie
# counts see several chunks. The wide set's embed_tokens and lm_head (33,000 x 64) span 33 chunks,
# enough (32 or more) for TIES's sampled one-pass window; it costs six times the main set, so only
# the TIES trims run on it. The F16 and F32 sets take the widening paths that the bf16 fused
# difference skips; the F32 set is sharded, so it is read through an index.
$main = @{ Hidden = 64; Intermediate = 1408; Layers = 2; Heads = 4; KeyValueHeads = 2; Vocab = 2100 }
$wide = @{ Hidden = 64; Intermediate = 1408; Layers = 2; Heads = 4; KeyValueHeads = 2; Vocab = 33000 }
$tiny = @{ Hidden = 64; Intermediate = 176; Layers = 2; Heads = 4; KeyValueHeads = 2; Vocab = 256 }
$inputs = @(
    foreach ($set in @(@{ Suffix = ''; Shape = $main }, @{ Suffix = '-wide'; Shape = $wide })) {
        foreach ($model in @(@{ Name = 'base'; FineTuneSeed = $null }, @{ Name = 'ft1'; FineTuneSeed = 1 }, @{ Name = 'ft2'; FineTuneSeed = 2 })) {
            @{ Name = $model.Name + $set.Suffix; Shape = $set.Shape; DType = 'BF16'; BaseSeed = 1; FineTuneSeed = $model.FineTuneSeed; DeltaScale = 0.1; MaxShardBytes = 5000000000; IntegerBuffer = $true }
        }
    }
    @{ Name = 'base-f16'; Shape = $tiny; DType = 'F16'; BaseSeed = 2; FineTuneSeed = $null; DeltaScale = 0.1; MaxShardBytes = 5000000000; IntegerBuffer = $false }
    @{ Name = 'ft1-f16'; Shape = $tiny; DType = 'F16'; BaseSeed = 2; FineTuneSeed = 3; DeltaScale = 0.1; MaxShardBytes = 5000000000; IntegerBuffer = $false }
    @{ Name = 'ft2-f16'; Shape = $tiny; DType = 'F16'; BaseSeed = 2; FineTuneSeed = 4; DeltaScale = 0.1; MaxShardBytes = 5000000000; IntegerBuffer = $false }
    @{ Name = 'base-f32'; Shape = $tiny; DType = 'F32'; BaseSeed = 3; FineTuneSeed = $null; DeltaScale = 0.2; MaxShardBytes = 100000; IntegerBuffer = $false }
    @{ Name = 'ft1-f32'; Shape = $tiny; DType = 'F32'; BaseSeed = 3; FineTuneSeed = 5; DeltaScale = 0.2; MaxShardBytes = 100000; IntegerBuffer = $false }
    @{ Name = 'ft2-f32'; Shape = $tiny; DType = 'F32'; BaseSeed = 3; FineTuneSeed = 6; DeltaScale = 0.2; MaxShardBytes = 100000; IntegerBuffer = $false }
)

# The Foundation's cmdlets and the parameters that change bytes (git show d5b9050:src/ModelMerge/Commands):
# Invoke-TiesMerge -Density (one or per vector) -SignRule -Normalize -Lambda; Invoke-DareDrop
# -Density -Seed -Rescale; Invoke-TaskArithmetic -Lambda -Normalize; Invoke-LinearMerge -Weight
# -Normalize; Invoke-Merge over its four methods; Get-TaskVector -Weight -Negate; Export-Checkpoint
# -DType -MaxShardSize. Each line is typed as a user types it; $Output is the case's folder.
$cases = [ordered]@{
    'ties-card' = 'Get-Checkpoint ./base-wide | Get-TaskVector ./ft1-wide,./ft2-wide | Invoke-TiesMerge -Density 0.2 | Export-Checkpoint $Output'
    'ties-count-f32' = 'Get-Checkpoint ./base-wide | Get-TaskVector ./ft1-wide,./ft2-wide | Invoke-TiesMerge -Density 0.5 -SignRule Count | Export-Checkpoint $Output -DType F32'
    'ties-weighted-sum-f16-shards' = 'Get-Checkpoint ./base-wide | Get-TaskVector ./ft1-wide,./ft2-wide -Weight 0.7,0.3 | Invoke-TiesMerge -Density 0.3,0.6 -Lambda 0.9 -Normalize:$false | Export-Checkpoint $Output -DType F16 -MaxShardSize 3MB'
    'dare-ties' = 'Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-DareDrop -Density 0.1 -Seed 7 | Invoke-TiesMerge -Density 1 | Export-Checkpoint $Output'
    'dare-inverse-ties-count-f32' = 'Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-DareDrop -Density 0.5 -Seed 11 -Rescale Inverse | Invoke-TiesMerge -Density 1 -SignRule Count | Export-Checkpoint $Output -DType F32'
    'dare-unscaled-ties-trim' = 'Get-Checkpoint ./base-wide | Get-TaskVector ./ft1-wide,./ft2-wide | Invoke-DareDrop -Density 0.3 -Seed 3 -Rescale None | Invoke-TiesMerge -Density 0.5 | Export-Checkpoint $Output'
    'dare-task-arithmetic' = 'Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-DareDrop -Density 0.2 -Seed 5 | Invoke-TaskArithmetic -Lambda 0.7 | Export-Checkpoint $Output'
    'task-arithmetic' = 'Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 -Weight 0.6,0.4 | Invoke-TaskArithmetic -Lambda 0.8 | Export-Checkpoint $Output'
    'task-arithmetic-normalize-f32' = 'Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 -Weight 2,1 | Invoke-TaskArithmetic -Normalize -Lambda 1.5 | Export-Checkpoint $Output -DType F32'
    'task-negated-f16' = 'Get-Checkpoint ./base | Get-TaskVector ./ft2 -Negate -Weight 0.5 | Invoke-TaskArithmetic | Export-Checkpoint $Output -DType F16'
    'linear' = 'Get-Checkpoint ./ft1,./ft2 | Invoke-LinearMerge -Weight 0.7,0.3 | Export-Checkpoint $Output'
    'linear-equal' = 'Get-Checkpoint ./ft1,./ft2 | Invoke-LinearMerge | Export-Checkpoint $Output'
    'linear-unnormalized-f32-shards' = 'Get-Checkpoint ./base,./ft1,./ft2 | Invoke-LinearMerge -Weight 0.6,0.3,0.3 -Normalize:$false | Export-Checkpoint $Output -DType F32 -MaxShardSize 1MB'
    'merge-ties-l1' = 'Get-Checkpoint ./base-wide | Get-TaskVector ./ft1-wide,./ft2-wide | Invoke-Merge ties -Density 0.5 -Rescale L1 | Export-Checkpoint $Output'
    'merge-ties-inverse' = 'Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-Merge ties -Density 0.4 -Rescale Inverse -Lambda 1.2 | Export-Checkpoint $Output'
    'merge-dare-linear' = 'Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-Merge dare_linear -Density 0.3 -Seed 7 | Export-Checkpoint $Output'
    'merge-dare-ties-f32' = 'Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-Merge dare_ties -Density 0.5 -Seed 7 | Export-Checkpoint $Output -DType F32'
    'merge-task-arithmetic' = 'Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-Merge task_arithmetic -Lambda 0.5 -Normalize | Export-Checkpoint $Output'
    'f16-ties' = 'Get-Checkpoint ./base-f16 | Get-TaskVector ./ft1-f16,./ft2-f16 | Invoke-TiesMerge -Density 0.2 | Export-Checkpoint $Output'
    'f16-linear-bf16' = 'Get-Checkpoint ./ft1-f16,./ft2-f16 | Invoke-LinearMerge -Weight 0.7,0.3 | Export-Checkpoint $Output -DType BF16'
    'f32-dare-ties-bf16' = 'Get-Checkpoint ./base-f32 | Get-TaskVector ./ft1-f32,./ft2-f32 | Invoke-DareDrop -Density 0.1 -Seed 9 | Invoke-TiesMerge -Density 1 | Export-Checkpoint $Output -DType BF16'
    'f32-task-arithmetic' = 'Get-Checkpoint ./base-f32 | Get-TaskVector ./ft1-f32,./ft2-f32 -Weight 0.5,1 | Invoke-TaskArithmetic -Lambda 0.8 | Export-Checkpoint $Output'
}

# One line per weight file (the whole file: header and data) and one per tensor (its data bytes
# alone), so that a mismatch says which tensors differ, or that only a header does. README.md (the
# model card, added after the Foundation), config.json and the other companions are not weights.
function Get-WeightDigest([string] $Folder, [switch] $TensorsOnly) {
    $files = Get-ChildItem $Folder -File | Where-Object { $_.Name -like '*.safetensors' -or $_.Name -eq 'model.safetensors.index.json' } |
        Sort-Object { $_.Name } -Culture ([cultureinfo]::InvariantCulture)
    $tensors = [Collections.Generic.List[object]]::new()
    foreach ($file in $files) {
        $bytes = [IO.File]::ReadAllBytes($file.FullName)
        if (-not $TensorsOnly) { "file $($file.Name) $($bytes.Length) $([Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($bytes)).ToLowerInvariant())" }
        if ($file.Extension -ne '.safetensors') { continue }
        $headerLength = [BitConverter]::ToUInt64($bytes, 0)
        $header = [Text.Encoding]::UTF8.GetString($bytes, 8, $headerLength) | ConvertFrom-Json -AsHashtable
        foreach ($name in $header.Keys) {
            if ($name -eq '__metadata__') { continue }
            $t = $header[$name]
            $begin = 8 + $headerLength + $t.data_offsets[0]
            $data = [byte[]]::new($t.data_offsets[1] - $t.data_offsets[0])
            [Array]::Copy($bytes, [long]$begin, $data, 0, $data.Length)
            $hash = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($data)).ToLowerInvariant()
            $tensors.Add([pscustomobject]@{ Name = $name; Line = "tensor $name $($t.dtype) [$($t.shape -join ',')] $($file.Name) $hash" })
        }
    }
    $tensors | Sort-Object { $_.Name } -Culture ([cultureinfo]::InvariantCulture) | ForEach-Object Line
}

try {
    Write-Host "Building the Foundation ($commitId) in $foundation"
    git -C $repo archive --output (Join-Path $scratch 'foundation.tar') $commitId
    if ($LASTEXITCODE) { throw "git archive failed ($LASTEXITCODE)" }
    tar -xf (Join-Path $scratch 'foundation.tar') -C $foundation
    if ($LASTEXITCODE) { throw "tar failed ($LASTEXITCODE)" }
    & $pwsh -NoProfile -NonInteractive -File (Join-Path $foundation 'build.ps1') -Configuration Release | Out-Host
    if ($LASTEXITCODE) { throw "the Foundation's build.ps1 failed ($LASTEXITCODE)" }
    $module = Join-Path $foundation 'out/ModelMerge/ModelMerge.psd1'

    Write-Host 'Building the current test-data generator'
    $generator = Join-Path $scratch 'testdata'
    dotnet publish (Join-Path $repo 'tests/TestData/ModelMerge.TestData.csproj') -c Release -o $generator --nologo | Out-Host
    if ($LASTEXITCODE) { throw "dotnet publish of the test-data generator failed ($LASTEXITCODE)" }

    Write-Host "Generating $($inputs.Count) input checkpoints in $work"
    & $pwsh -NoProfile -NonInteractive -Command {
        param($dll, $inputsJson, $root)
        $ErrorActionPreference = 'Stop'
        Add-Type -Path $dll
        foreach ($m in ($inputsJson | ConvertFrom-Json)) {
            $s = $m.Shape
            $shape = [ModelMerge.TestData.LlamaShape]::new($s.Hidden, $s.Intermediate, $s.Layers, $s.Heads, $s.KeyValueHeads, $s.Vocab)
            $fineTune = if ($null -eq $m.FineTuneSeed) { $null } else { [ulong]$m.FineTuneSeed }
            $spec = [ModelMerge.TestData.GeneratedModel]::new($shape, $m.DType, [ulong]$m.BaseSeed, $fineTune, [double]$m.DeltaScale, [long]$m.MaxShardBytes, [bool]$m.IntegerBuffer)
            [ModelMerge.TestData.LlamaCheckpointGenerator]::Write((Join-Path $root $m.Name), $spec) | Out-Null
        }
    } -args (Join-Path $generator 'ModelMerge.TestData.dll'), ($inputs | ConvertTo-Json -Depth 4 -Compress), $work | Out-Host
    if ($LASTEXITCODE) { throw "generating the inputs failed ($LASTEXITCODE)" }

    Write-Host "Running $($cases.Count) pipelines through the Foundation module"
    & $pwsh -NoProfile -NonInteractive -Command {
        param($module, $casesJson, $root)
        $ErrorActionPreference = 'Stop'
        Import-Module $module
        Set-Location $root
        foreach ($case in ($casesJson | ConvertFrom-Json).PSObject.Properties) {
            $Output = Join-Path $root "out/$($case.Name)"
            & ([scriptblock]::Create($case.Value))
        }
    } -args $module, ($cases | ConvertTo-Json -Compress), $work | Out-Host
    if ($LASTEXITCODE) { throw "a Foundation pipeline failed ($LASTEXITCODE)" }

    $lines = [Collections.Generic.List[string]]::new()
    $lines.Add('# SHA-256 of the weights the Foundation build wrote; recorded by Record-FoundationDigests.ps1 (see it for why and how).')
    $lines.Add('# Checked by FoundationIdentityTests. Re-record only after changing the inputs, the cases or the generator.')
    $lines.Add("foundation $commitId $(git -C $repo show -s --format=%cs $commitId)")
    $lines.Add("generator $(git -C $repo log -1 --format=%H -- tests/TestData)")
    foreach ($m in $inputs) {
        $s = $m.Shape
        $lines.Add("input $($m.Name) Hidden=$($s.Hidden) Intermediate=$($s.Intermediate) Layers=$($s.Layers) Heads=$($s.Heads) " +
            "KeyValueHeads=$($s.KeyValueHeads) Vocab=$($s.Vocab) DType=$($m.DType) BaseSeed=$($m.BaseSeed) " +
            "FineTuneSeed=$(if ($null -eq $m.FineTuneSeed) { '-' } else { $m.FineTuneSeed }) DeltaScale=$($m.DeltaScale) " +
            "MaxShardBytes=$($m.MaxShardBytes) IntegerBuffer=$($m.IntegerBuffer.ToString().ToLowerInvariant())")
        foreach ($line in (Get-WeightDigest (Join-Path $work $m.Name) -TensorsOnly)) { $lines.Add("  $line") }
    }
    foreach ($name in $cases.Keys) {
        $lines.Add("case $name")
        $lines.Add("  pipeline $($cases[$name])")
        foreach ($line in (Get-WeightDigest (Join-Path $work "out/$name"))) { $lines.Add("  $line") }
    }
    [IO.File]::WriteAllText($Destination, ($lines -join "`n") + "`n")
    Write-Host "Wrote $Destination ($($cases.Count) cases, $($inputs.Count) inputs)"
}
finally {
    if ($KeepScratch) { Write-Host "Scratch kept: $scratch" }
    else { Remove-Item $scratch -Recurse -Force -ErrorAction SilentlyContinue }
}
