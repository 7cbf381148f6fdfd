"""Latent routes: a model's latents made one way, named once. `direct` latents come from the
model's encoder as it is; a refined route's from a refinement through its fixed decoder
(`latentcodec.models.refine`), labelled in the config's `encoders`. The results table keeps
the model and the encoder apart (columns `model`, `encoder`); paths and the analysis join them
into one route name, so that a refined route stands beside its direct one everywhere."""

DIRECT_ENCODER = "direct"  # `encoder` of a latent of the model's encoder as it is
NO_ENCODER = "none"  # `encoder` of the pixel-domain baseline rows
ROUTE_MARK = "+"  # joins a model and a refined encoder into a route: `taesdxl+refined`


def latent_route(model: str, encoder: str) -> str:
    """A model's latents made one way, as one name: the model for direct latents (and pixel
    rows), `<model>+<encoder>` for refined ones."""
    if encoder in (DIRECT_ENCODER, NO_ENCODER):
        return model
    return f"{model}{ROUTE_MARK}{encoder}"


def route_model(route: str) -> str:
    """The model whose decoder a route's latents go through."""
    return route.split(ROUTE_MARK)[0]
