<#
.SYNOPSIS
    Runs a mergekit recipe as it is: TIES over two fine-tunes with per-layer densities and a
    filtered weight, written to bf16. The recipe lands in the output as mergekit_config.yml.
.EXAMPLE
    ./examples/mergekit-recipe.ps1 -Base ./base -FineTuned ./ft-math,./ft-code -Output ./merged
#>
param(
    [Parameter(Mandatory)] [string] $Base,
    [Parameter(Mandatory)] [string[]] $FineTuned,
    [Parameter(Mandatory)] [string] $Output,
    [switch] $Force
)

if (-not (Get-Module ModelMerge)) { Import-Module ModelMerge -ErrorAction Stop }

$recipe = @"
merge_method: ties
base_model: $Base
models:
  - model: $($FineTuned[0])
    parameters:
      density: [0.7, 0.3]
      weight: 1.0
  - model: $($FineTuned[1])
    parameters:
      density: 0.5
      weight:
        - filter: mlp
          value: 0.8
        - value: 0.3
parameters:
  normalize: true
out_dtype: bfloat16
"@

$recipe | Invoke-MergeRecipe | Export-Checkpoint $Output -Force:$Force -PassThru
