import { setProjectDatasetLoader } from '../jobs/project-datasets'
import { loadDatasetRef } from './store'

// Importing this module lets every DataRef of type 'dataset' resolve through the project's stored datasets.
setProjectDatasetLoader(loadDatasetRef)
